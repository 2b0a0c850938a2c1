/**
 * Whether Airflow's UI shows its dark theme. Chakra's color mode (next-themes) puts the class `dark`
 * on <html>; CodeMirror is not a Chakra component, so the editor watches that class to follow it.
 */
import { useEffect, useState } from "react";

function isDark(): boolean {
  const root = globalThis.document?.documentElement;
  return root !== undefined && (root.classList.contains("dark") || root.dataset.theme === "dark");
}

export function useDarkMode(): boolean {
  const [dark, setDark] = useState(isDark);
  useEffect(() => {
    const root = document.documentElement;
    const observer = new MutationObserver(() => setDark(isDark()));
    observer.observe(root, { attributeFilter: ["class", "data-theme", "style"], attributes: true });
    return () => observer.disconnect();
  }, []);
  return dark;
}
