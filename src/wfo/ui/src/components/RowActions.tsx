/** The small buttons at the end of a table row: "Download" (a file link) and a red "Delete". */
import { Button } from "@chakra-ui/react";

export function DownloadLink({ testId, fileName, href }: { testId: string; fileName: string; href: string }) {
  return (
    <Button asChild size="xs" variant="ghost">
      <a data-testid={testId} download={fileName} href={href}>
        Download
      </a>
    </Button>
  );
}

export function DeleteButton({ testId, onClick }: { testId: string; onClick: () => void }) {
  return (
    <Button colorPalette="red" data-testid={testId} onClick={onClick} size="xs" variant="ghost">
      Delete
    </Button>
  );
}
