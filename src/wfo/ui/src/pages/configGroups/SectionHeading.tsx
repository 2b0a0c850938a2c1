import { Flex, Heading, Text, VStack } from "@chakra-ui/react";
import type { ReactNode } from "react";

/** The visible title of a group tab ("Hadoop configuration"), a hint, and actions on the right. */
export function SectionHeading({ title, hint, actions }: { title: string; hint?: ReactNode; actions?: ReactNode }) {
  return (
    <Flex align="flex-start" gap={4} justify="space-between" mb={3} wrap="wrap">
      <VStack align="flex-start" gap={1}>
        <Heading as="h3" size="md">
          {title}
        </Heading>
        {hint ? (
          <Text color="fg.muted" fontSize="sm">
            {hint}
          </Text>
        ) : null}
      </VStack>
      {actions}
    </Flex>
  );
}
