// ESLint for the UI sources (`npm run lint`, run by `./run test`): the JavaScript and typescript-eslint
// recommended rules and React's rules of hooks (with the React Compiler checks of its recommended set).
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default defineConfig([
  globalIgnores(["dist/", "node_modules/", "src/api/schema.gen.ts"]),
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, tseslint.configs.recommended, reactHooks.configs.flat.recommended],
    rules: {
      // Warnings would pass unnoticed in `./run test`: every finding fails the check.
      "react-hooks/exhaustive-deps": "error",
      // `_props`: a parameter named for what the caller passes, unused on purpose.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
]);
