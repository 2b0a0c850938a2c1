import { Text } from "@chakra-ui/react";

import { PageHeader } from "../components/PageHeader";

export function ForbiddenPage({ title }: { title: string }) {
  return (
    <>
      <PageHeader title={title} />
      <Text data-testid="wfo-forbidden">You do not have access to this page. Ask an administrator for access.</Text>
    </>
  );
}

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Text data-testid="wfo-not-found">There is no wfo page at this address.</Text>
    </>
  );
}
