// The pages' only stylesheet, served from the admin's own path (the CSP allows styles from 'self' only,
// and no inline style). From 360 px up: the header wraps, grids fold to one column, and a wide table
// scrolls inside its card (.table-scroll), never the page. Text colours keep 4.5:1 against their
// backgrounds; every focusable element shows its focus.
export const ADMIN_CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f3f4f6;overflow-wrap:break-word}
a{color:#1d4ed8}a:hover{color:#1e3a8a}
:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;margin:0}
.visually-hidden,.default-submit{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.skip{position:absolute;left:-999px;top:0;background:#fff;color:#111827;padding:.5rem 1rem;z-index:10}.skip:focus{left:.5rem;top:.5rem}
header{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center;padding:.6rem 1rem;background:#111827;color:#fff}
header a{color:#e5e7eb;text-decoration:none}header a:hover{color:#fff;text-decoration:underline}
header .brand{font-weight:700;color:#fff}
header nav{display:flex;flex-wrap:wrap;gap:.3rem 1rem;flex:1 1 auto}
.signout{display:flex;align-items:center;gap:.6rem;margin-left:auto}.who{color:#d1d5db;font-size:.9em}
header button.quiet{color:#e5e7eb;border-color:#6b7280}
main{max-width:1120px;margin:1rem auto 3rem;padding:0 1rem}
h1{font-size:1.5rem;margin:.4rem 0 .8rem;display:flex;flex-wrap:wrap;gap:.6rem;align-items:center}
h2{font-size:1.15rem;margin:0 0 .6rem}h3{font-size:1rem;margin:.8rem 0 .4rem}
.crumbs{margin:0;color:#4b5563;font-size:.9em}
.title-row{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:center;justify-content:space-between}
.title-row h1,.title-row h2{margin:.4rem 0}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:1rem;margin:0 0 1rem;min-width:0}
.narrow{max-width:460px}
.muted{color:#4b5563;font-size:.9em}.hint{color:#4b5563;font-size:.88em;margin:.2rem 0}
.table-scroll{position:relative;overflow-x:auto;max-width:100%;margin:0 0 .6rem;border:1px solid #e5e7eb;border-radius:6px;background:#fff}
table.list{width:100%;border-collapse:collapse}
table.list th,table.list td{padding:.45rem .6rem;border-bottom:1px solid #eef0f3;text-align:left;vertical-align:top}
table.list thead th{background:#f9fafb;font-size:.9em;white-space:nowrap}table.numbers thead th{white-space:normal;min-width:5.5rem}
table.list th a{color:inherit}
table.experiments td:first-child{min-width:14rem}table.experiments td:nth-child(4),table.experiments td:nth-child(5){min-width:10rem}
table.numbers th[scope=row]{min-width:8rem}
.row-actions{display:flex;flex-wrap:wrap;gap:.2rem .7rem;min-width:9rem}
.badge{font-size:.75rem;padding:.1rem .5rem;border-radius:999px;background:#e5e7eb;color:#1f2937;text-transform:uppercase;letter-spacing:.03em;white-space:nowrap}
.badge.live{background:#dcfce7;color:#14532d}.badge.paused{background:#fef9c3;color:#713f12}.badge.done{background:#dbeafe;color:#1e3a8a}.badge.archived{background:#e5e7eb;color:#374151}
button,.button{display:inline-block;font:inherit;font-size:.92rem;line-height:1.3;padding:.45rem .9rem;border-radius:6px;border:1px solid #1f2937;background:#1f2937;color:#fff;cursor:pointer;text-decoration:none}
button:hover,.button:hover{background:#374151;color:#fff}
button.secondary,.button.secondary{background:#fff;color:#1f2937;border-color:#9ca3af}button.secondary:hover,.button.secondary:hover{background:#f3f4f6;color:#111827}
button.danger,.button.danger{background:#b91c1c;border-color:#b91c1c;color:#fff}button.danger:hover,.button.danger:hover{background:#991b1b}
button.quiet{background:transparent;color:#1f2937;border-color:#d1d5db;padding:.25rem .6rem}
button.link{background:none;border:0;padding:0;color:#1d4ed8;text-decoration:underline;font-size:inherit}
.danger-text,button.danger-text{color:#b91c1c}
.inline{display:inline}
.actions{margin:.6rem 0 1rem;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.form-actions{display:flex;flex-wrap:wrap;gap:.8rem;align-items:center;margin-top:1rem}
.flash{background:#dcfce7;border:1px solid #86efac;color:#14532d;padding:.55rem .8rem;border-radius:6px;margin:0 0 1rem}
.error{background:#fee2e2;border:1px solid #fca5a5;color:#7f1d1d;padding:.55rem .8rem;border-radius:6px;margin:0 0 1rem}
.error ul{margin:.3rem 0 0;padding-left:1.2rem}.error a{color:#7f1d1d}
.warning{background:#fef3c7;border:1px solid #fcd34d;color:#78350f;padding:.55rem .8rem;border-radius:6px;margin:.5rem 0}
details.srm summary{font-weight:600;cursor:pointer}details.srm ul{margin:.2rem 0 .5rem;padding-left:1.2rem}.stopped-note{color:#78350f;font-size:.85em;font-weight:400;margin-top:.2rem}.automation{color:#78350f}
.banner{background:#dbeafe;border:1px solid #93c5fd;color:#1e3a8a;padding:.55rem .8rem;border-radius:6px;margin:.5rem 0}
.warn{color:#78350f}.reminder{color:#78350f;font-size:.85em}
.ok{color:#14532d}.no{color:#7f1d1d}.win{color:#14532d}
.error-page .status{color:#4b5563;margin:0}.ways-back{padding-left:1.2rem}
fieldset{border:1px solid #e5e7eb;border-radius:8px;margin:0 0 1rem;padding:.6rem 1rem 1rem;min-width:0;background:#fff}
legend{font-weight:600;padding:0 .3rem}
.field{margin:.5rem 0;min-width:0}
.field label,.field>label{display:block;font-weight:600;margin-bottom:.2rem}
.req{font-weight:400;color:#4b5563;font-size:.85em}
input,textarea,select{font:inherit;padding:.4rem .5rem;border:1px solid #6b7280;border-radius:6px;background:#fff;color:#111827;max-width:100%}
input,textarea{width:100%}select{min-width:8rem}
.check{display:flex;gap:.5rem;align-items:flex-start;margin:.6rem 0}.check input{width:auto;margin-top:.3rem}
input.readonly,input[readonly],select:disabled{background:#f3f4f6;color:#374151;border-style:dashed;cursor:not-allowed}
.field.has-error>input,.field.has-error>textarea,.field.has-error>select,[aria-invalid=true]{border-color:#b91c1c;border-width:2px}
.field-error{color:#b91c1c;font-weight:600;margin:.25rem 0 0;font-size:.92em}
fieldset.has-error{border-color:#b91c1c}
.grid-2{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:0 1rem}
.grid-3{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:0 1rem}
.grid-4{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:0 .8rem}
.variant-row{border-top:1px solid #e5e7eb;padding:.6rem 0}
.variant-head{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}.variant-head .variant-title{margin:.2rem 0;font-size:1rem}.variant-head button{margin-left:auto}
.share-total{font-weight:600;color:#7f1d1d}.share-total.ok{color:#14532d}
.filters{display:flex;flex-wrap:wrap;gap:.2rem 1rem;align-items:flex-end}.filters .grow{flex:1 1 14rem}.filters button{margin:.5rem 0}
.pager{display:flex;flex-wrap:wrap;gap:.6rem;margin:.6rem 0}
.summary-line{margin:.2rem 0 .6rem}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.6rem 1.2rem;margin:0}
.facts div{min-width:0}.facts .wide{grid-column:1/-1}.facts dt{font-size:.85em;color:#4b5563}.facts dd{margin:0}
.progress-row{display:grid;grid-template-columns:minmax(3rem,8rem) minmax(6rem,1fr) auto;gap:.6rem;align-items:center;margin:.2rem 0}
.progress-label{overflow-wrap:anywhere}.progress-value{font-size:.9em;white-space:nowrap}
progress{width:100%;height:.8rem}
.evidence ul{padding-left:1.2rem;margin:.3rem 0}.evidence li{margin:.2rem 0}
.decide{border-color:#93c5fd}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,26rem),1fr));gap:1rem;margin:.6rem 0}
.charts figure{margin:0;min-width:0}.charts figcaption{font-weight:600;margin-bottom:.3rem}
svg.chart{width:100%;height:auto;display:block;background:#fff}
.chart text{font-size:12px;fill:#111827}.chart .axis{fill:#4b5563;font-size:11px}.chart .val{font-size:12px;font-weight:600}.chart .legend{font-size:12px;font-weight:600}
.chart-note{font-size:.9em;margin:.4rem 0;padding-left:1.2rem}
.goal{margin-bottom:1rem}
.qa input{font-size:.85em}
.log{list-style:none;padding:0;margin:0}.log li{border-bottom:1px solid #eef0f3;padding:.45rem 0}.log .changes{margin:.2rem 0 0;padding-left:1.2rem;font-size:.9em;color:#374151}.log .reason{font-size:.9em}
.decision-record{margin:0}.decision-record dt{font-weight:600}.decision-record dd{margin:0 0 .4rem}
.consequences li{margin:.3rem 0}
article.archived h2{font-size:1.1rem}
.sort-hint{display:none}
@media (max-width:720px){
  .sort-hint{display:block;margin:.4rem 0 0;font-weight:600}
  table.experiments,table.experiments tbody,table.experiments tr,table.experiments td{display:block;width:100%}
  table.experiments thead tr{display:flex;flex-wrap:wrap;gap:.2rem .9rem;padding:.4rem .6rem}
  table.experiments thead th{display:block;border:0;padding:0;background:none}
  table.experiments thead th:last-child{display:none}
  table.experiments tbody tr{border-top:1px solid #e5e7eb;padding:.5rem .6rem}
  table.experiments td{border:0;padding:.15rem 0;display:grid;grid-template-columns:7.5rem minmax(0,1fr);gap:.6rem;min-width:0!important}
  table.experiments td::before{content:attr(data-label);font-weight:600;color:#4b5563;font-size:.85em}
  table.experiments td:first-child{display:block}table.experiments td:first-child::before{content:none}
  table.experiments .badge{justify-self:start}
  table.fold,table.fold tbody,table.fold tr,table.fold td,table.fold th{display:block;width:100%}
  table.fold thead{display:none}
  table.fold tbody tr{border-top:1px solid #e5e7eb;padding:.5rem .6rem}
  table.fold th[scope=row]{border:0;padding:0 0 .2rem;min-width:0}
  table.fold td{border:0;padding:.15rem 0;display:grid;grid-template-columns:9rem minmax(0,1fr);gap:.6rem}
  table.fold td::before{content:attr(data-label);font-weight:600;color:#4b5563;font-size:.85em}
  table.fold td.fold-empty{display:none}
}
@media (max-width:560px){
  main{padding:0 .6rem}
  h1{font-size:1.3rem}
  .card{padding:.75rem}
  fieldset{padding:.5rem .6rem .8rem}
  .signout{margin-left:0}
}
`;
