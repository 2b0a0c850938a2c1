/** The editor's side panel: search the code bricks and insert one at the cursor. */
import { Badge, Box, Button, Flex, Heading, Input, Link, Text, VStack } from "@chakra-ui/react";
import { useState } from "react";
import { Link as RouterLink } from "react-router-dom";

import { codeBricks, type CodeBrick } from "../../api/codeBricks";
import { LoadState } from "../../components/LoadState";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { useDebouncedSearch } from "../../hooks/useDebouncedSearch";

const PREVIEW_LINES = 8;

function preview(code: string): string {
  const lines = code.replace(/\s+$/u, "").split("\n");
  return lines.length > PREVIEW_LINES ? `${lines.slice(0, PREVIEW_LINES).join("\n")}\n…` : lines.join("\n");
}

function BrickCard({ brick, onInsert, canInsert }: { brick: CodeBrick; onInsert: (code: string) => void; canInsert: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <Box borderWidth="1px" data-testid="brick-card" data-title={brick.title} p={2} rounded="md">
      <Flex align="flex-start" gap={2} justify="space-between">
        <Text data-testid="brick-title" fontSize="sm" fontWeight="semibold">
          {brick.title}
        </Text>
        {canInsert ? (
          <Button
            colorPalette="brand"
            data-testid={`brick-insert-${brick.id}`}
            flexShrink={0}
            onClick={() => onInsert(brick.code)}
            size="2xs"
            variant="outline"
          >
            Insert
          </Button>
        ) : null}
      </Flex>
      {brick.description ? (
        <Text color="fg.muted" fontSize="xs" mt={1}>
          {brick.description}
        </Text>
      ) : null}
      {brick.tags.length > 0 ? (
        <Flex gap={1} mt={1} wrap="wrap">
          {brick.tags.map((tag) => (
            <Badge key={tag} size="xs" variant="outline">
              {tag}
            </Badge>
          ))}
        </Flex>
      ) : null}
      <Button data-testid={`brick-preview-toggle-${brick.id}`} mt={1} onClick={() => setOpen(!open)} size="2xs" variant="ghost">
        {open ? "Hide code" : "Show code"}
      </Button>
      {open ? (
        <Box
          as="pre"
          bg="bg.subtle"
          data-testid={`brick-preview-${brick.id}`}
          fontFamily="mono"
          fontSize="2xs"
          mt={1}
          overflow="auto"
          p={2}
          rounded="sm"
          whiteSpace="pre"
        >
          {preview(brick.code)}
        </Box>
      ) : null}
    </Box>
  );
}

export function BricksPanel({ onInsert, canInsert }: { onInsert: (code: string) => void; canInsert: boolean }) {
  const appPath = useAppPath();
  const { search, setSearch, query } = useDebouncedSearch();
  const loaded = useAsync((signal) => codeBricks().list(query, signal), [query]);
  const bricks = loaded.data?.bricks;

  return (
    <VStack align="stretch" as="aside" data-testid="bricks-panel" gap={2} minWidth={0}>
      <Flex align="center" justify="space-between">
        <Heading as="h3" size="sm">
          Code bricks
        </Heading>
        <Link asChild colorPalette="brand" fontSize="xs">
          <RouterLink data-testid="bricks-manage" to={appPath("code-bricks")}>
            Manage
          </RouterLink>
        </Link>
      </Flex>
      <Input
        data-testid="bricks-search"
        onChange={(event) => setSearch(event.target.value)}
        placeholder="Search bricks"
        size="sm"
        value={search}
      />
      <LoadState
        empty={query === "" ? "No code bricks yet." : "No brick matches this search."}
        emptyProps={{ fontSize: "sm" }}
        emptyTestId="bricks-empty"
        errorTestId="bricks-error"
        items={bricks}
        loaded={loaded}
        spinnerSize="sm"
      />
      <VStack align="stretch" gap={2} maxHeight="70vh" overflowY="auto">
        {(bricks ?? []).map((brick) => (
          <BrickCard brick={brick} canInsert={canInsert} key={brick.id} onInsert={onInsert} />
        ))}
      </VStack>
    </VStack>
  );
}
