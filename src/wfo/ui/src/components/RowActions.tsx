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

/** `label` names what it deletes for screen readers when the row does not make it clear. */
export function DeleteButton({ testId, onClick, label }: { testId: string; onClick: () => void; label?: string }) {
  return (
    <Button aria-label={label} colorPalette="red" data-testid={testId} onClick={onClick} size="xs" variant="ghost">
      Delete
    </Button>
  );
}
