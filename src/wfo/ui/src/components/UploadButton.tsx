/** "Upload file(s)": a button that opens the browser's file picker; the chosen files upload at once. */
import { Button } from "@chakra-ui/react";
import { useRef } from "react";

export function UploadButton({
  testId,
  accept,
  label = "Upload file(s)",
  busy = false,
  disabled = false,
  onFiles,
}: {
  /** `<testId>-input` is the file input, `<testId>-button` the button. */
  testId: string;
  accept: string;
  label?: string;
  busy?: boolean;
  disabled?: boolean;
  onFiles: (files: File[]) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        accept={accept}
        data-testid={`${testId}-input`}
        disabled={disabled}
        hidden
        multiple
        onChange={(event) => {
          const files = Array.from(event.target.files ?? []);
          // Reset so choosing the same file again uploads it again.
          event.target.value = "";
          if (files.length > 0) {
            onFiles(files);
          }
        }}
        ref={input}
        type="file"
      />
      <Button
        colorPalette="brand"
        data-testid={`${testId}-button`}
        disabled={disabled}
        loading={busy}
        onClick={() => input.current?.click()}
        size="sm"
      >
        {label}
      </Button>
    </>
  );
}
