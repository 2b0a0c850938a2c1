/**
 * Frame of every wfo page: our tabs on top (drawn like Airflow's own tabs, on one line; they scroll
 * sideways when the window is too narrow), the routed page below. Airflow's header already shows
 * who is signed in, so the frame does not repeat it.
 */
import { Box, Flex, Link, Spinner } from "@chakra-ui/react";
import { Link as RouterLink, Outlet, useMatch } from "react-router-dom";

import { ErrorAlert } from "./components/ErrorAlert";
import { useAppPath } from "./hooks/useAppPath";
import { useMe } from "./hooks/useMe";
import { visiblePages } from "./nav";

function NavTab({ path, label, title, end }: { path: string; label: string; title: string; end: boolean }) {
  const to = useAppPath()(path);
  const active = useMatch({ end, path: to }) !== null;
  return (
    <Link
      _hover={{ color: "fg", textDecoration: "none" }}
      alignItems="center"
      asChild
      borderBottomColor={active ? "border.info" : "transparent"}
      borderBottomWidth="3px"
      color={active ? "fg" : "fg.muted"}
      display="flex"
      flexShrink={0}
      // Thirteen tabs on one line at 1024 px: a smaller font and tighter padding below 1280 px.
      fontSize={{ base: "xs", xl: "sm" }}
      fontWeight="semibold"
      height="40px"
      mb="-1px" // the active tab's line covers the bar's bottom border
      px={{ base: 2, xl: 2.5 }}
      whiteSpace="nowrap"
    >
      <RouterLink aria-current={active ? "page" : undefined} data-testid={`wfo-nav-${path || "overview"}`} title={title} to={to}>
        {label}
      </RouterLink>
    </Link>
  );
}

export function Shell() {
  const meState = useMe();

  return (
    <Box display="flex" flexDirection="column" height="100%" minHeight={0} p={4}>
      <Flex
        aria-label="wfo pages"
        as="nav"
        borderBottomWidth="1px"
        data-testid="wfo-nav"
        flexShrink={0}
        mb={4}
        overflowX="auto"
        overflowY="hidden"
        scrollbarWidth="thin"
        wrap="nowrap"
      >
        <NavTab end label="Overview" path="" title="What wfo adds to Airflow" />
        {meState.status === "ready"
          ? visiblePages(meState.me).map((page) => (
              <NavTab end={false} key={page.path} label={page.tab ?? page.label} path={page.path} title={page.description} />
            ))
          : null}
      </Flex>
      <Box flex="1" minHeight={0} overflow="auto">
        {meState.status === "loading" ? <Spinner data-testid="wfo-loading" /> : null}
        {meState.status === "error" ? <ErrorAlert error={meState.error} /> : null}
        {meState.status === "ready" ? <Outlet context={meState.me} /> : null}
      </Box>
    </Box>
  );
}
