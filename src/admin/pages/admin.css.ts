// The pages' only stylesheet, served from the admin's own path (the CSP allows styles from 'self' only).
export const ADMIN_CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;color:#111;background:#f6f7f9}
header{display:flex;gap:1.5rem;align-items:center;padding:.6rem 1.2rem;background:#111827;color:#fff}header a{color:#e5e7eb;margin-right:1rem;text-decoration:none}
header nav{display:flex;align-items:center;flex:1}header nav form{margin-left:auto}.who{color:#9ca3af;font-size:.9em}
main{max-width:1080px;margin:1.2rem auto;padding:0 1rem}h1{font-size:1.5rem;display:flex;gap:.8rem;align-items:center}h2{font-size:1.1rem}
table.list{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e5e7eb}table.list th,table.list td{padding:.45rem .6rem;border-bottom:1px solid #eef0f3;text-align:left;vertical-align:top}
table.list th a{color:inherit}.muted{color:#6b7280;font-size:.88em}.badge{font-size:.75rem;padding:.1rem .5rem;border-radius:999px;background:#e5e7eb;text-transform:uppercase}
.badge.live{background:#dcfce7;color:#166534}.badge.paused{background:#fef9c3;color:#854d0e}.badge.done{background:#dbeafe;color:#1e40af}.badge.archived{background:#f3f4f6;color:#6b7280}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:1rem}.narrow{max-width:420px}.editor label{display:block;margin:.5rem 0}.editor input,.editor textarea,.editor select{font:inherit;padding:.3rem}
.editor textarea{width:100%}.editor fieldset{margin:.8rem 0;border:1px solid #e5e7eb}.grid{display:flex;flex-wrap:wrap;gap:1.5rem}
button,.button{font:inherit;padding:.35rem .8rem;border-radius:6px;border:1px solid #1f2937;background:#1f2937;color:#fff;cursor:pointer;text-decoration:none;font-size:.9rem}
button.danger{background:#b91c1c;border-color:#b91c1c}.inline{display:inline}.actions{margin:.8rem 0;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.error{background:#fee2e2;border:1px solid #fecaca;padding:.5rem .8rem;border-radius:6px}.warning{background:#fef3c7;border:1px solid #fde68a;padding:.5rem .8rem;border-radius:6px;margin:.5rem 0}
.banner{background:#dbeafe;border:1px solid #bfdbfe;padding:.5rem .8rem;border-radius:6px;margin:.5rem 0}.warn{color:#92400e}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts>div{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:.5rem 1rem}
.chart text{font-size:12px}.chart .axis{fill:#6b7280;font-size:11px}.filters{margin:.6rem 0;display:flex;gap:.5rem}.filters input{flex:1;padding:.3rem}.log{font-size:.9em}
.decision{display:inline-block;margin-left:.3rem}.decision textarea{display:block;width:18rem;margin:.2rem 0}.decision-record{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:.5rem 1rem}
.decision-record dt{font-weight:600}.decision-record dd{margin:0 0 .4rem}.reminder{color:#92400e;font-size:.85em}
`;
