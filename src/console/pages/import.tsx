import type { ImportReport } from "../../customers/import";
import { fill, type Lang, type Words } from "../i18n";
import { Layout, Problem } from "../layout";
import { whyText } from "../refusal";
import { Table } from "../table";

type Props = {
  lang: Lang;
  w: Words;
  who: { scope: string; csrf: string };
  report?: ImportReport;
  /** The API's refusal of the whole file (a bad header, not CSV). */
  problem?: string;
};

/** The CSV upload form, and after an upload the counts and each rejected row. */
export function ImportPage(props: Props) {
  const { w, report } = props;
  return (
    <Layout lang={props.lang} w={w} title={w.importTitle} page="customers" who={props.who}>
      <form method="post" action="/console/customers/import" enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value={props.who.csrf} />
        <p class="muted">{w.importHint}</p>
        <label for="file">{w.csvFile}</label>
        <input id="file" name="file" type="file" accept=".csv,text/csv" required />{" "}
        <button type="submit">{w.importButton}</button>
      </form>
      <Problem text={props.problem} />
      {report?.stopped && (
        <Problem
          text={fill(report.stopped.code === "csv_syntax" ? w.importStoppedSyntax : w.importStoppedTooLarge, {
            line: report.stopped.from_line,
          })}
        />
      )}
      {report && (
        <section aria-labelledby="result-h">
          <h2 id="result-h">{w.importResult}</h2>
          <div class="cards">
            {(
              [
                [w.created, report.created],
                [w.updated, report.updated],
                [w.unchanged, report.unchanged],
                [w.rejected, report.rejected],
              ] as const
            ).map(([label, n]) => (
              <div class="card">
                <div class="label">{label}</div>
                <div class="value">{n}</div>
              </div>
            ))}
          </div>
          {report.errors.length > 0 && (
            <>
              <h2 id="errors-h">{w.rejectedRows}</h2>
              <Table head={[w.line, w.column, w.reason]} label="errors-h">
                {report.errors.map((e) => (
                  <tr>
                    <td data-label={w.line}>{e.line}</td>
                    <td data-label={w.column}>{e.column}</td>
                    <td data-label={w.reason}>
                      {(e.code && whyText(w, props.lang, e.column, { ...e, reason: e.code })) || e.reason}
                    </td>
                  </tr>
                ))}
              </Table>
              {report.errors_truncated && <p class="muted">{w.moreErrors}</p>}
            </>
          )}
        </section>
      )}
    </Layout>
  );
}
