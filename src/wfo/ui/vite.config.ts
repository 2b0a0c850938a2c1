// Library build of the wfo pages: one UMD file that Airflow's UI loads with import() and that assigns
// `globalThis.AirflowPlugin`. Every library the host page already has is external and read from the
// globals Airflow's UI sets, so our pages share its React instance, router and Chakra theme.
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

/** Module id -> global name that Airflow 3.3's UI assigns (`Reflect.set(globalThis, ...)` in its bundle). */
const HOST_GLOBALS: Record<string, string> = {
  react: "React",
  "react-dom": "ReactDOM",
  "react/jsx-runtime": "ReactJSXRuntime",
  "react-router-dom": "ReactRouterDOM",
  // react-router-dom re-exports react-router: both must resolve to the host's single router instance.
  "react-router": "ReactRouterDOM",
  "@chakra-ui/react": "ChakraUI",
  "@emotion/react": "EmotionReact",
};

export const BUNDLE_FILE = "wfo-ui.umd.cjs";

export default defineConfig({
  // Out-of-tree builds (scripts/check-ui-bundle.sh) point this at a temporary directory.
  build: {
    copyPublicDir: false,
    emptyOutDir: false,
    lib: {
      entry: resolve(import.meta.dirname, "src/main.tsx"),
      fileName: () => BUNDLE_FILE,
      formats: ["umd"],
      name: "AirflowPlugin",
    },
    outDir: process.env.WFO_UI_OUT_DIR ?? resolve(import.meta.dirname, "../plugin/static"),
    reportCompressedSize: true,
    rolldownOptions: {
      external: Object.keys(HOST_GLOBALS),
      output: {
        exports: "default",
        globals: HOST_GLOBALS,
      },
    },
    sourcemap: false,
    target: "es2022",
  },
  define: {
    "process.env.NODE_ENV": JSON.stringify("production"),
  },
  publicDir: false,
  test: {
    dir: resolve(import.meta.dirname, "../../../tests/unit/ui"),
    environment: "node",
    globals: true,
    restoreMocks: true,
  },
});
