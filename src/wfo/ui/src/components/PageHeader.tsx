import { Flex, Heading, Text, VStack } from "@chakra-ui/react";
import type { ReactNode } from "react";

/** The visible title of a page, an optional one-line description, and actions on the right. */
export function PageHeader({ title, description, actions }: { title: string; description?: string; actions?: ReactNode }) {
  return (
    <Flex align="flex-start" gap={4} justify="space-between" mb={4} wrap="wrap">
      <VStack align="flex-start" gap={1}>
        <Heading as="h2" size="lg">
          {title}
        </Heading>
        {description ? (
          <Text color="fg.muted" fontSize="sm">
            {description}
          </Text>
        ) : null}
      </VStack>
      {actions}
    </Flex>
  );
}
