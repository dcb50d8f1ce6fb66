import { formatCount } from "../lib/format";
import { EmptyState } from "./empty-state";
import { Panel } from "./panel";

/** Props of {@link BreakdownTable}. */
export interface BreakdownTableProps {
  title: string;
  /** Column headings after the key column. */
  columns: string[];
  /** One row per key; each value list matches `columns`. */
  rows: [key: string, values: (number | undefined)[]][];
  className?: string;
  testId?: string;
}

/** A small key → numbers table with a bar for the first column's share. */
export function BreakdownTable({ title, columns, rows, className, testId }: BreakdownTableProps) {
  const max = Math.max(1, ...rows.map(([, v]) => v[0] ?? 0));
  return (
    <Panel title={title} className={className} testId={testId}>
      {rows.length === 0 ? (
        <EmptyState>Nothing yet.</EmptyState>
      ) : (
        <table className="grid-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              {columns.map((c) => (
                <th scope="col" key={c} className="num">{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(([key, values]) => (
              <tr key={key}>
                <th scope="row">
                  <span className="bar-label">{key}</span>
                  <span className="share-bar" style={{ width: `${((values[0] ?? 0) / max) * 100}%` }} aria-hidden="true" />
                </th>
                {values.map((v, i) => (
                  <td key={i} className="num">{formatCount(v)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
