/**
 * The wfo pages, one line each: the sub-navigation, the overview cards and the routes are all
 * built from this table. A page shows to users holding `can_read` on its resource.
 */
import type { ReactElement } from "react";

import type { Me } from "./api/types";
import { can } from "./hooks/useMe";

import { AuditLogPage } from "./pages/AuditLogPage";
import { CodeArtifactsPage } from "./pages/codeArtifacts/CodeArtifactsPage";
import { CodeBricksPage } from "./pages/codeBricks/CodeBricksPage";
import { ConfigGroupsPage } from "./pages/configGroups/ConfigGroupsPage";
import { DagFilesPage } from "./pages/dagFiles/DagFilesPage";
import { EdaPage } from "./pages/EdaPage";
import { LdapPage } from "./pages/LdapPage";
import { NotebooksPage } from "./pages/NotebooksPage";
import { ModelsPage } from "./pages/ModelsPage";
import { SlaMissesPage } from "./pages/SlaMissesPage";
import { SparkDependenciesPage } from "./pages/SparkDependenciesPage";
import { VisualisationsPage } from "./pages/VisualisationsPage";

export interface WfoPage {
  /** Path below /plugin/wfo/. */
  path: string;
  label: string;
  /** A shorter label for the tab bar, which must fit on one line at 1024 px. */
  tab?: string;
  description: string;
  /** Airflow (FAB) resource name whose `can_read` grants the page. */
  resource: string;
  element: ReactElement;
}

export const RESOURCES = {
  auditLog: "WFO Audit Log",
  configGroups: "WFO Config Groups",
  /** No page of its own: can_edit allows changing a group's code-like Spark settings. */
  clusterCodeSettings: "WFO Cluster Code Settings",
  sparkDependencies: "WFO Spark Dependencies",
  codeArtifacts: "WFO Code Artifacts",
  dagFiles: "WFO DAG Files",
  codeBricks: "WFO Code Bricks",
  visualisations: "WFO Visualisations",
  slaMisses: "WFO SLA Misses",
  eda: "WFO EDA",
  models: "WFO Models",
  /** No page of its own: can_edit allows marking a model public (its serving routes need no token). */
  publicModels: "WFO Public Models",
  notebooks: "WFO Notebooks",
  /** No page of its own: can_read opens Spark's UI of wfo's Spark Connect server (`/wfo/spark-ui/`). */
  sparkUi: "WFO Spark UI",
  ldapConfig: "WFO LDAP Configuration",
} as const;

export const PAGES: readonly WfoPage[] = [
  { path: "dag-files", label: "Manage DAGs", description: "Upload, create, edit and review DAG files, with validation, history and restore.", resource: RESOURCES.dagFiles, element: <DagFilesPage /> },
  { path: "code-bricks", label: "Code bricks", description: "Snippets to insert into DAGs from the editor.", resource: RESOURCES.codeBricks, element: <CodeBricksPage /> },
  { path: "config-groups", label: "Config groups", description: "Hadoop, Spark, Kerberos and Livy settings per cluster; one group is the default.", resource: RESOURCES.configGroups, element: <ConfigGroupsPage /> },
  { path: "spark-dependencies", label: "Spark dependencies", tab: "Spark deps", description: "Jars and Python files config groups add to Spark jobs.", resource: RESOURCES.sparkDependencies, element: <SparkDependenciesPage /> },
  { path: "code-artifacts", label: "Code artifacts", tab: "Artifacts", description: "Versioned jars and Python files that tasks fetch by name.", resource: RESOURCES.codeArtifacts, element: <CodeArtifactsPage /> },
  { path: "sla-misses", label: "SLA misses", tab: "SLAs", description: "Tasks that had not succeeded within their SLA: filter, document, open in the grid.", resource: RESOURCES.slaMisses, element: <SlaMissesPage /> },
  { path: "notebooks", label: "Jupyter Notebook", tab: "Notebooks", description: "JupyterLab with the cluster's kernels, single sign-on; your notebooks and common_workspace.", resource: RESOURCES.notebooks, element: <NotebooksPage /> },
  { path: "eda", label: "Exploratory data analysis", tab: "EDA", description: "Profile a file or table, rank its columns by importance for a target; reports in a tree per source.", resource: RESOURCES.eda, element: <EdaPage /> },
  { path: "models", label: "Models and datasets", tab: "Models", description: "Versioned models and datasets; TF, PMML, PyTorch and ONNX models served over REST within seconds.", resource: RESOURCES.models, element: <ModelsPage /> },
  { path: "audit", label: "Audit log", tab: "Audit", description: "Who changed what in wfo, when, and from where.", resource: RESOURCES.auditLog, element: <AuditLogPage /> },
  { path: "visualisations", label: "Visualisations", description: "Open the team's BI dashboard.", resource: RESOURCES.visualisations, element: <VisualisationsPage /> },
  { path: "ldap", label: "LDAP configuration", tab: "LDAP", description: "How users log in: wfo's own accounts or LDAP, groups mapped to roles; test before saving.", resource: RESOURCES.ldapConfig, element: <LdapPage /> },
];

export function visiblePages(me: Me): WfoPage[] {
  return PAGES.filter((page) => can(me, page.resource, "can_read"));
}
