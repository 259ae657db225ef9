// Pure: the PromQL a Grafana dashboard runs, as Grafana would send it. Expressions are
// read from the dashboard JSON (panels[].targets[].expr, rows' nested panels too) and
// Grafana's built-in interval variables are replaced by a concrete range.

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

interface PanelJson {
  title?: string;
  targets?: { expr?: string }[];
  panels?: PanelJson[];
}

export function dashboardQueries(dashboard: { title?: string; panels?: PanelJson[] }): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const visit = (panels: PanelJson[] = []): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr !== undefined && target.expr !== '') queries.push({ dashboard: dashboard.title ?? '(untitled)', panel: panel.title ?? '(untitled)', expr: target.expr });
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  return queries;
}

/** Replaces `$var`, `${var}` and `[[var]]` by the given values; throws on a variable left unresolved. */
export function substituteVariables(expr: string, values: Record<string, string>): string {
  const resolved = expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (match, braced?: string, bracketed?: string, bare?: string) => {
    const name = braced ?? bracketed ?? bare ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`no value for dashboard variable ${match} in ${expr}`);
    return value;
  });
  return resolved;
}

/** Grafana's interval variables, for a Prometheus scraping every few seconds. */
export const grafanaIntervals = (range: string): Record<string, string> => ({
  __rate_interval: range,
  __interval: range,
  __range: range,
});

/** The queries (as "dashboard / panel: expr") Prometheus answers with no series at all, over `range`. */
export async function queriesWithoutData(
  queries: DashboardQuery[],
  prometheus: { query(expr: string): Promise<unknown[]> },
  range: string,
): Promise<string[]> {
  const empty: string[] = [];
  for (const query of queries) {
    const expr = substituteVariables(query.expr, grafanaIntervals(range));
    if ((await prometheus.query(expr)).length === 0) empty.push(`${query.dashboard} / ${query.panel}: ${expr}`);
  }
  return empty;
}
