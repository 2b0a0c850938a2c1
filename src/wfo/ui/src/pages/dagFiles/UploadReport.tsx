/**
 * What an upload did to each file: added, changed, unchanged, rejected with the reason. A file
 * rejected for Airflow 2 code shows the proposed upgrade; "Accept upgrade" saves the upgraded source.
 */
import { Alert, Badge, Box, Button, HStack, Text, VStack } from "@chakra-ui/react";
import { useState } from "react";

import { currentRevision, dagFiles, type RejectedFile, type UploadReport as Report } from "../../api/dagFiles";
import { useAction } from "../../hooks/useAction";
import { DiffText } from "./DiffText";
import { explainRefusal } from "./editorLogic";
import { ProblemList, UpgradeIssues } from "./ProblemList";

function Rejected({ item, canEdit, onSaved }: { item: RejectedFile; canEdit: boolean; onSaved: () => void }) {
  const action = useAction();
  const [accepted, setAccepted] = useState(false);
  const upgrade = item.upgrade;
  const accept = () =>
    void action.run(async () => {
      if (upgrade === null) {
        return;
      }
      // Saved against the file as it is now (null: it does not exist, saving creates it).
      await explainRefusal(async () =>
        dagFiles().save(item.name, {
          base_revision: await currentRevision(item.name),
          content: upgrade.source,
          message: `Upgrade ${item.name} to Airflow 3`,
        }),
      );
      setAccepted(true);
      onSaved();
      return `Saved the upgraded ${item.name}.`;
    });

  return (
    <Box borderWidth="1px" data-name={item.name} data-testid="upload-rejected" p={3} rounded="md">
      <HStack gap={2} mb={1}>
        <Badge colorPalette={accepted ? "green" : "red"}>{accepted ? "upgraded" : "rejected"}</Badge>
        <Text fontFamily="mono" fontWeight="semibold">
          {item.name}
        </Text>
      </HStack>
      <Text data-testid="upload-rejected-reason" fontSize="sm">
        {item.reason}
      </Text>
      {item.validation !== null ? (
        <Box mt={2}>
          <ProblemList testId="upload-rejected-problems" validation={item.validation} />
        </Box>
      ) : null}
      {upgrade !== null && upgrade.changed && !accepted ? (
        <Box mt={2}>
          <Text fontSize="sm" mb={1}>
            Proposed upgrade to Airflow 3:
          </Text>
          <DiffText diff={upgrade.diff} testId="upload-upgrade-diff" />
          <UpgradeIssues issues={upgrade.issues} />
          {canEdit ? (
            <Button colorPalette="orange" data-testid="upload-upgrade-accept" loading={action.busy} mt={2} onClick={accept} size="sm">
              Accept upgrade
            </Button>
          ) : null}
        </Box>
      ) : null}
      {action.error !== null ? (
        <Alert.Root data-testid="upload-upgrade-error" mt={2} status="error">
          <Alert.Indicator />
          <Alert.Description>{action.error}</Alert.Description>
        </Alert.Root>
      ) : null}
      {action.done !== null ? (
        <Text color="green.fg" data-testid="upload-upgrade-saved" fontSize="sm" mt={2}>
          {action.done}
        </Text>
      ) : null}
    </Box>
  );
}

function Names({ label, names, testId, palette }: { label: string; names: string[]; testId: string; palette: string }) {
  if (names.length === 0) {
    return null;
  }
  return (
    <HStack data-testid={testId} gap={2} wrap="wrap">
      <Badge colorPalette={palette}>{label}</Badge>
      <Text fontFamily="mono" fontSize="sm">
        {names.join(", ")}
      </Text>
    </HStack>
  );
}

export function UploadReport({
  report,
  canEdit,
  onSaved,
  onClose,
}: {
  report: Report;
  canEdit: boolean;
  onSaved: () => void;
  onClose: () => void;
}) {
  return (
    <VStack align="stretch" borderWidth="1px" data-testid="upload-report" gap={2} mb={4} p={3} rounded="md">
      <HStack justify="space-between">
        <Text fontWeight="semibold">Upload report</Text>
        <Button data-testid="upload-report-close" onClick={onClose} size="xs" variant="ghost">
          Close
        </Button>
      </HStack>
      <Names label="added" names={report.added} palette="green" testId="upload-added" />
      <Names label="changed" names={report.changed} palette="blue" testId="upload-changed" />
      <Names label="unchanged" names={report.unchanged} palette="gray" testId="upload-unchanged" />
      {report.rejected.map((item) => (
        <Rejected canEdit={canEdit} item={item} key={item.name} onSaved={onSaved} />
      ))}
    </VStack>
  );
}
