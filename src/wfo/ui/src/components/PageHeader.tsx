import { Flex, Heading, Link, Text, VStack } from "@chakra-ui/react";
import type { ReactNode } from "react";
import { Link as RouterLink } from "react-router-dom";

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

/** The top of one item's page: a link back to the list, the page header, and the item's name. */
export function ItemPageHeader({
  back,
  name,
  nameTestId,
  ...header
}: Parameters<typeof PageHeader>[0] & {
  back: { to: string; label: string; testId: string };
  name: string;
  nameTestId: string;
}) {
  return (
    <>
      <Link asChild color="fg.info" fontSize="sm">
        <RouterLink data-testid={back.testId} to={back.to}>
          {back.label}
        </RouterLink>
      </Link>
      <PageHeader {...header} />
      <Heading as="h3" data-testid={nameTestId} fontFamily="mono" mb={3} size="md">
        {name}
      </Heading>
    </>
  );
}
