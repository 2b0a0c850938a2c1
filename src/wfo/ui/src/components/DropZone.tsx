/**
 * The upload area of a file repository page: drop files on it, or pick them with its button; both
 * hand the files to `onFiles` (several at once). It names the file types the repository accepts.
 */
import { Box, Text } from "@chakra-ui/react";
import { useState, type DragEvent } from "react";

import { UploadButton } from "./UploadButton";

export function DropZone({
  testId,
  uploadTestId,
  extensions,
  busy,
  onFiles,
}: {
  /** The zone; `<uploadTestId>-button` and `-input` are its picker. */
  testId: string;
  uploadTestId: string;
  /** Accepted file name endings, in the order to show them; none: any file. */
  extensions: readonly string[];
  busy: boolean;
  onFiles: (files: File[]) => void;
}) {
  const [over, setOver] = useState(false);
  const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes("Files");

  return (
    <Box
      alignItems="center"
      bg={over ? "brand.subtle" : "bg.subtle"}
      borderColor={over ? "brand.solid" : "border"}
      borderStyle="dashed"
      borderWidth="2px"
      data-dragging={over ? "" : undefined}
      data-testid={testId}
      display="flex"
      flexWrap="wrap"
      gap={3}
      justifyContent="center"
      mb={4}
      onDragEnter={(event) => {
        if (hasFiles(event)) {
          event.preventDefault();
          setOver(true);
        }
      }}
      onDragLeave={(event) => {
        // Leaving for a child element is not leaving the zone.
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) {
          setOver(false);
        }
      }}
      onDragOver={(event) => {
        if (hasFiles(event)) {
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
        }
      }}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        const files = Array.from(event.dataTransfer.files);
        if (files.length > 0 && !busy) {
          onFiles(files);
        }
      }}
      px={4}
      py={5}
      rounded="md"
    >
      <Text color="fg.muted" fontSize="sm">
        Drop files here to upload them (several at once), or
      </Text>
      <UploadButton accept={extensions.join(",")} busy={busy} onFiles={onFiles} testId={uploadTestId} />
      <Text color="fg.muted" data-testid={`${testId}-types`} flexBasis="100%" fontSize="xs" textAlign="center">
        Accepted: {extensions.length > 0 ? extensions.join(" ") : "any file"}
      </Text>
    </Box>
  );
}
