/**
 * The small buttons at the end of a table row, drawn as Airflow draws its row actions: a ghost icon
 * button whose name shows in a tooltip (and is its accessible name).
 */
import { IconButton, Portal, Tooltip } from "@chakra-ui/react";
import type { ReactElement } from "react";

import { DownloadIcon, TrashIcon } from "./icons";

interface RowActionProps {
  /** The tooltip; also the accessible name unless `ariaLabel` names the row's item. */
  label: string;
  ariaLabel?: string;
  icon: ReactElement;
  testId: string;
  disabled?: boolean;
  /** A toggle that is on (e.g. "Hide code"). */
  pressed?: boolean;
  colorPalette?: string;
}

function WithTooltip({ label, children }: { label: string; children: ReactElement }) {
  return (
    <Tooltip.Root openDelay={300}>
      <Tooltip.Trigger asChild>{children}</Tooltip.Trigger>
      <Portal>
        <Tooltip.Positioner>
          <Tooltip.Content>{label}</Tooltip.Content>
        </Tooltip.Positioner>
      </Portal>
    </Tooltip.Root>
  );
}

/** An icon button that runs `onClick`. */
export function RowAction({ label, ariaLabel, icon, testId, disabled, pressed, colorPalette, onClick }: RowActionProps & { onClick: () => void }) {
  return (
    <WithTooltip label={label}>
      <IconButton
        aria-label={ariaLabel ?? label}
        aria-pressed={pressed}
        colorPalette={colorPalette}
        data-testid={testId}
        disabled={disabled}
        onClick={onClick}
        size="xs"
        variant={pressed ? "subtle" : "ghost"}
      >
        {icon}
      </IconButton>
    </WithTooltip>
  );
}

export function DownloadLink({ testId, fileName, href }: { testId: string; fileName: string; href: string }) {
  return (
    <WithTooltip label="Download">
      <IconButton asChild aria-label={`Download ${fileName}`} size="xs" variant="ghost">
        <a data-testid={testId} download={fileName} href={href}>
          <DownloadIcon />
        </a>
      </IconButton>
    </WithTooltip>
  );
}

/** `label` names what it deletes for screen readers when the row does not make it clear. */
export function DeleteButton({ testId, onClick, label }: { testId: string; onClick: () => void; label?: string }) {
  return <RowAction ariaLabel={label} icon={<TrashIcon />} label="Delete" onClick={onClick} testId={testId} />;
}
