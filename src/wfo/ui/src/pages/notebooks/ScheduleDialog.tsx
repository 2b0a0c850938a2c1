/**
 * "Schedule" a notebook of common_workspace: once or a cron expression (checked by the server, the next
 * runs shown), a config group, and the parameters its `parameters` cell declares (typed by their defaults).
 * Saving writes a DAG file through the DAG-files service; the browser then goes to the DAG's page in Airflow.
 */
import { Field, Input, NativeSelect, RadioGroup, Stack, Table, Text } from "@chakra-ui/react";
import { useEffect, useState, type FormEvent } from "react";

import { configGroups } from "../../api/configGroups";
import { notebooks, type NotebookParameter, type NotebookSchedule } from "../../api/notebooks";
import { DialogForm, FormDialog, HintOrError } from "../../components/FormDialog";
import { messageOf } from "../../errors";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { formatTime } from "../../time";

type Mode = "once" | "cron";

function shown(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The form's text as the JSON value the server types further (numbers stay text: it converts them). */
function valueOf(text: string, parameter: NotebookParameter): unknown {
  if (parameter.type === "list" || parameter.type === "dict") {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** `existing`: the schedule being edited (its values fill the form; saving rewrites its DAG file). */
export function ScheduleDialog({ notebook, existing, onClose }: { notebook: string; existing?: NotebookSchedule; onClose: () => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const declared = useAsync(
    (signal) => notebooks().parameters(notebook, signal),
    [notebook],
    (found) =>
      setValues(
        Object.fromEntries(
          found.parameters.map((p) => [p.name, shown(existing && p.name in existing.parameters ? existing.parameters[p.name] : p.default)]),
        ),
      ),
  );
  const groups = useAsync((signal) => configGroups().list(signal), []);
  const [mode, setMode] = useState<Mode>(existing?.schedule === "@once" ? "once" : "cron");
  const [cron, setCron] = useState(existing && existing.schedule !== "@once" ? existing.schedule : "0 6 * * *");
  const [group, setGroup] = useState(existing?.config_group ?? "");
  const [outputFolder, setOutputFolder] = useState(existing?.output_folder ?? "");
  const [preview, setPreview] = useState<{ schedule: string; times: string[]; error: string | null } | null>(null);
  const saving = useAction();

  const parameters = declared.data?.parameters ?? [];
  const schedule = mode === "once" ? "@once" : cron.trim();
  const checked = preview?.schedule === schedule ? preview : { error: null, schedule, times: [] };
  useEffect(() => {
    if (schedule === "@once" || schedule === "") return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      notebooks()
        .nextRuns(schedule, controller.signal)
        .then((next) => setPreview({ error: null, schedule, times: next.next_runs }))
        .catch((caught: unknown) => {
          if (!controller.signal.aborted) setPreview({ error: messageOf(caught), schedule, times: [] });
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [schedule]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void saving.run(async () => {
      const body = {
        config_group: group || null,
        notebook,
        output_folder: outputFolder.trim() || null,
        parameters: Object.fromEntries(parameters.map((p) => [p.name, valueOf(values[p.name] ?? "", p)])),
        schedule,
      };
      const saved = await notebooks().schedule(body);
      globalThis.location.assign(saved.dag_url);
      return `Scheduled as ${saved.dag_id}.`;
    });
  };

  return (
    <FormDialog onClose={onClose} open size="lg" testId="schedule-dialog">
      <DialogForm
        busy={saving.busy}
        onCancel={onClose}
        onSubmit={submit}
        stack
        submitLabel="Schedule"
        testId="schedule"
        title={`Schedule ${notebook}`}
      >
        <RadioGroup.Root onValueChange={(details) => setMode(details.value === "once" ? "once" : "cron")} value={mode}>
          <Stack direction="row" gap={4}>
            <RadioGroup.Item data-testid="schedule-once" value="once">
              <RadioGroup.ItemHiddenInput />
              <RadioGroup.ItemIndicator />
              <RadioGroup.ItemText>Once, now</RadioGroup.ItemText>
            </RadioGroup.Item>
            <RadioGroup.Item data-testid="schedule-cron-mode" value="cron">
              <RadioGroup.ItemHiddenInput />
              <RadioGroup.ItemIndicator />
              <RadioGroup.ItemText>Cron expression</RadioGroup.ItemText>
            </RadioGroup.Item>
          </Stack>
        </RadioGroup.Root>
        {mode === "cron" ? (
          <Field.Root invalid={checked.error !== null}>
            <Field.Label>Cron (UTC)</Field.Label>
            <Input data-testid="schedule-cron" onChange={(event) => setCron(event.target.value)} value={cron} />
            <HintOrError
              error={checked.error}
              errorTestId="schedule-cron-error"
              hint={
                <span data-testid="schedule-next-runs">
                  {checked.times.length > 0 ? `Next: ${checked.times.slice(0, 3).map(formatTime).join(", ")}` : "minute hour day month weekday"}
                </span>
              }
            />
          </Field.Root>
        ) : null}
        <Field.Root>
          <Field.Label>Config group</Field.Label>
          <NativeSelect.Root size="sm">
            <NativeSelect.Field data-testid="schedule-group" onChange={(event) => setGroup(event.currentTarget.value)} value={group}>
              <option value="">None (the platform's Python)</option>
              {(groups.data?.groups ?? []).map((g) => (
                <option key={g.name} value={g.name}>
                  {g.name}
                </option>
              ))}
            </NativeSelect.Field>
            <NativeSelect.Indicator />
          </NativeSelect.Root>
        </Field.Root>
        <Field.Root>
          <Field.Label>Parameters</Field.Label>
          {parameters.length === 0 ? (
            <Text color="fg.muted" fontSize="sm">
              {declared.status === "loading" ? "Reading the notebook..." : "The notebook has no cell tagged parameters."}
            </Text>
          ) : (
            <Table.Root size="sm">
              <Table.Body>
                {parameters.map((p) => (
                  <Table.Row key={p.name}>
                    <Table.Cell fontFamily="mono">{p.name}</Table.Cell>
                    <Table.Cell color="fg.muted">{p.type ?? "any"}</Table.Cell>
                    <Table.Cell>
                      <Input
                        data-testid={`schedule-param-${p.name}`}
                        onChange={(event) => setValues({ ...values, [p.name]: event.target.value })}
                        size="sm"
                        value={values[p.name] ?? ""}
                      />
                    </Table.Cell>
                  </Table.Row>
                ))}
              </Table.Body>
            </Table.Root>
          )}
        </Field.Root>
        <Field.Root>
          <Field.Label>Output folder</Field.Label>
          <Input
            data-testid="schedule-output-folder"
            onChange={(event) => setOutputFolder(event.target.value)}
            placeholder="common_workspace/runs/<dag id>"
            size="sm"
            value={outputFolder}
          />
          <Field.HelperText>Each run writes the executed notebook there, named after the run.</Field.HelperText>
        </Field.Root>
        {saving.error ? (
          <Text color="fg.error" data-testid="schedule-error">
            {saving.error}
          </Text>
        ) : null}
      </DialogForm>
    </FormDialog>
  );
}
