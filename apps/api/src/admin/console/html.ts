/** HTML-escaped text: everything the console shows that came from outside goes through here. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A time as the console shows it: ISO 8601 in UTC, to the second. */
export function time(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A query string from the set values of `params` (with its `?`), or '' when none is set. */
export function query(params: Record<string, string | number | undefined>): string {
  const set = Object.entries(params).filter(([, v]) => v !== undefined && v !== '') as [string, string | number][];
  return set.length === 0 ? '' : `?${new URLSearchParams(set.map(([k, v]): [string, string] => [k, String(v)]))}`;
}

/**
 * Styles of every console page, inline: the console must work with no internet (no fonts,
 * scripts or CDNs). System fonts, colours with WCAG AA contrast, a visible focus ring, and a
 * layout that reads on a laptop screen (tables scroll sideways rather than squeeze).
 */
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1b1f24;background:#f6f7f9}
a{color:#0b5cad}
a:focus,button:focus,input:focus,select:focus,summary:focus{outline:3px solid #f0b400;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:6px;z-index:2}
header{background:#1f2933;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
header a{color:#d6e6ff}header h1{font-size:18px;margin:0}
main{padding:16px 24px;max-width:1400px}
h2{font-size:17px;margin:20px 0 8px}
form.filters{display:flex;flex-wrap:wrap;gap:10px 14px;align-items:flex-end;background:#fff;border:1px solid #d5d9de;padding:12px;border-radius:6px}
form.filters label{display:flex;flex-direction:column;font-size:13px;font-weight:600;gap:3px}
input,select{font:inherit;padding:5px 7px;border:1px solid #8a939d;border-radius:4px;background:#fff;color:inherit}
input[name=entityId],input[name=endpoint]{width:300px}
button,.button{font:inherit;padding:6px 12px;border-radius:4px;border:1px solid #0b5cad;background:#0b5cad;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:#0b5cad}
button.danger{background:#b42318;border-color:#b42318}
.actions{display:flex;gap:10px;flex-wrap:wrap;margin:12px 0}
.scroll{overflow-x:auto;background:#fff;border:1px solid #d5d9de;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:14px}
caption{text-align:left;padding:8px 10px;font-weight:600}
th,td{text-align:left;padding:6px 10px;border-top:1px solid #e3e6ea;vertical-align:top}
th{background:#eef1f4;font-weight:600;white-space:nowrap}
td.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
td.mono{word-break:break-all}
pre{background:#fff;border:1px solid #d5d9de;padding:10px;border-radius:6px;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-word}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:13px;font-weight:600}
.status-failed{background:#fde2df;color:#8a1c12}.status-held{background:#fff0c2;color:#6b4a00}
.status-delivered{background:#d9f2e2;color:#135c2f}.status-pending,.status-retrying{background:#e3ecf8;color:#163e73}
.note{background:#fff;border-left:4px solid #0b5cad;padding:8px 12px;margin:12px 0}
.error{border-left-color:#b42318}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;border:1px solid #d5d9de;padding:12px;border-radius:6px}
dt{font-weight:600}dd{margin:0;word-break:break-all}
.current{font-weight:700}
`;

/** A whole page: header with the links between the admin tools, then `body`. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(title)} · Delivery console</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<h1><a href="/admin/deliveries">Delivery console</a></h1>
<nav aria-label="Admin tools"><a href="/admin/queues">Bull Board</a> · <a href="/management/docs">Management API</a></nav>
</header>
<main id="main">
${body}
</main>
</body>
</html>`;
}
