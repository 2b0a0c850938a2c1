/**
 * The few line icons of our row actions, drawn like Airflow's (24×24 strokes in the text colour), so
 * the bundle needs no icon library. Each scales with the font size of the button around it.
 */
import type { ReactElement } from "react";

function LineIcon({ children }: { children: ReactElement | ReactElement[] }) {
  return (
    <svg
      aria-hidden="true"
      fill="none"
      height="1em"
      stroke="currentColor"
      strokeLinecap="round"
      strokeLinejoin="round"
      strokeWidth={2}
      viewBox="0 0 24 24"
      width="1em"
    >
      {children}
    </svg>
  );
}

export const TrashIcon = () => (
  <LineIcon>
    <path d="M3 6h18" />
    <path d="M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2" />
    <path d="M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6" />
    <path d="M10 11v6M14 11v6" />
  </LineIcon>
);

export const DownloadIcon = () => (
  <LineIcon>
    <path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4" />
    <path d="M7 10l5 5 5-5" />
    <path d="M12 15V3" />
  </LineIcon>
);

export const EditIcon = () => (
  <LineIcon>
    <path d="M11 4H4a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-7" />
    <path d="M18.5 2.5a2.1 2.1 0 0 1 3 3L12 15l-4 1 1-4z" />
  </LineIcon>
);

export const CodeIcon = () => (
  <LineIcon>
    <path d="M16 18l6-6-6-6" />
    <path d="M8 6l-6 6 6 6" />
  </LineIcon>
);

export const EyeIcon = () => (
  <LineIcon>
    <path d="M1 12s4-8 11-8 11 8 11 8-4 8-11 8-11-8-11-8z" />
    <circle cx="12" cy="12" r="3" />
  </LineIcon>
);

export const RestoreIcon = () => (
  <LineIcon>
    <path d="M1 4v6h6" />
    <path d="M3.5 15a9 9 0 1 0 2.1-9.4L1 10" />
  </LineIcon>
);

export const CopyIcon = () => (
  <LineIcon>
    <rect height="13" rx="2" width="13" x="9" y="9" />
    <path d="M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1" />
  </LineIcon>
);

export const RenameIcon = () => (
  <LineIcon>
    <path d="M12 20h9" />
    <path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z" />
  </LineIcon>
);

export const MoreIcon = () => (
  <LineIcon>
    <circle cx="12" cy="12" r="1" />
    <circle cx="19" cy="12" r="1" />
    <circle cx="5" cy="12" r="1" />
  </LineIcon>
);
