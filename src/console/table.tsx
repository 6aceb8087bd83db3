import type { Child } from "hono/jsx";

/**
 * A table that folds into labelled lines on a phone (style.ts): the header names the columns;
 * each body cell repeats its column's name in data-label for the folded view.
 */
export function Table(props: { head: string[]; label?: string; children: Child }) {
  return (
    <table class="responsive" aria-labelledby={props.label}>
      <thead>
        <tr>
          {props.head.map((h) => (
            <th scope="col">{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}
