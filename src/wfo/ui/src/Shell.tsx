/** Frame of every wfo page: the sub-navigation on top, the routed page below. */
import { Box, Button, Flex, Heading, HStack, Spinner, Text } from "@chakra-ui/react";
import { Link as RouterLink, Outlet, useMatch } from "react-router-dom";

import { ErrorAlert } from "./components/ErrorAlert";
import { useAppPath } from "./hooks/useAppPath";
import { useMe } from "./hooks/useMe";
import { visiblePages } from "./nav";

function NavItem({ path, label, end }: { path: string; label: string; end: boolean }) {
  const to = useAppPath()(path);
  const active = useMatch({ end, path: to }) !== null;
  return (
    <Button asChild colorPalette="blue" size="sm" variant={active ? "subtle" : "ghost"}>
      <RouterLink aria-current={active ? "page" : undefined} data-testid={`wfo-nav-${path || "overview"}`} to={to}>
        {label}
      </RouterLink>
    </Button>
  );
}

export function Shell() {
  const meState = useMe();

  return (
    <Box display="flex" flexDirection="column" height="100%" minHeight={0} p={4}>
      <Flex align="center" borderBottomWidth="1px" gap={4} mb={4} pb={2} wrap="wrap">
        <Heading as="h1" size="md">
          wfo
        </Heading>
        <HStack as="nav" aria-label="wfo pages" gap={1} wrap="wrap">
          <NavItem end label="Overview" path="" />
          {meState.status === "ready"
            ? visiblePages(meState.me).map((page) => (
                <NavItem end={false} key={page.path} label={page.label} path={page.path} />
              ))
            : null}
        </HStack>
        {meState.status === "ready" ? (
          <Text color="fg.muted" data-testid="wfo-username" fontSize="sm" ml="auto">
            {meState.me.username}
          </Text>
        ) : null}
      </Flex>
      <Box flex="1" minHeight={0} overflow="auto">
        {meState.status === "loading" ? <Spinner data-testid="wfo-loading" /> : null}
        {meState.status === "error" ? <ErrorAlert error={meState.error} /> : null}
        {meState.status === "ready" ? <Outlet context={meState.me} /> : null}
      </Box>
    </Box>
  );
}
