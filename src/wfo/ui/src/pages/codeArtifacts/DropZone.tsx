/** Drop files here, or pick them: both hand the files to `onFiles` (several at once). */
import { Box, Text } from "@chakra-ui/react";
import { useState, type DragEvent } from "react";

import { UploadButton } from "../../components/UploadButton";

export function DropZone({ busy, onFiles }: { busy: boolean; onFiles: (files: File[]) => void }) {
  const [over, setOver] = useState(false);
  const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes("Files");

  return (
    <Box
      alignItems="center"
      bg={over ? "blue.subtle" : "bg.subtle"}
      borderColor={over ? "blue.solid" : "border"}
      borderStyle="dashed"
      borderWidth="2px"
      data-dragging={over ? "" : undefined}
      data-testid="artifact-drop-zone"
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
      py={6}
      rounded="md"
    >
      <Text color="fg.muted" fontSize="sm">
        Drop files here to upload them (several at once), or
      </Text>
      <UploadButton accept="" busy={busy} onFiles={onFiles} testId="artifact-upload" />
    </Box>
  );
}
