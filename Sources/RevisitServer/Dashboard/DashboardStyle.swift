/// The dashboard's style sheet and icon. System fonts only: nothing is fetched from outside.
enum DashboardStyle {
    static let css = #"""
    :root { --ink: #1d2733; --muted: #5b6b7c; --line: #dfe5ec; --panel: #ffffff; --page: #f3f6f9;
            --accent: #2563eb; --good: #15803d; --bad: #b91c1c; --warn: #b45309; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC",
           "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--ink); background: var(--page); }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 24px; padding: 12px 20px;
             background: var(--panel); border-bottom: 1px solid var(--line); }
    h1 { font-size: 18px; margin: 0; flex: 1 1 auto; }
    h2 { font-size: 15px; margin: 0 0 8px; }
    form#range { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
    input, select, button { font: inherit; }
    input[type=date], input[type=search], select { padding: 3px 6px; border: 1px solid var(--line); border-radius: 4px; }
    button { padding: 3px 10px; border: 1px solid var(--line); border-radius: 4px; background: #f8fafc; cursor: pointer; }
    button:hover { border-color: var(--accent); }
    button[aria-pressed=true] { background: var(--accent); color: #fff; border-color: var(--accent); }
    .notice { margin: 12px 20px 0; padding: 8px 12px; border-radius: 4px; background: #fff7ed; border: 1px solid #fdba74; }
    .notice.error { background: #fef2f2; border-color: #fca5a5; }
    .sign-in { max-width: 520px; margin: 48px auto; }
    form#sign-in-form { display: flex; gap: 6px; }
    form#sign-in-form input { flex: 1; padding: 3px 6px; border: 1px solid var(--line); border-radius: 4px; }
    main[hidden] { display: none; }
    main { display: grid; grid-template-columns: minmax(0, 1fr) 360px; gap: 16px; padding: 16px 20px; }
    section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
    .kpis, .charts, .campaigns, .days { grid-column: 1; }
    .side { grid-column: 2; grid-row: 1 / span 3; display: flex; flex-direction: column; gap: 16px; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
    .card { border: 1px solid var(--line); border-radius: 4px; padding: 6px 10px; display: flex; flex-direction: column; }
    .card .label { color: var(--muted); font-size: 12px; }
    .card .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
    .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 12px; }
    figure { margin: 0; }
    figcaption { font-weight: 600; margin-bottom: 4px; }
    .plot { position: relative; height: 220px; }
    table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
    th, td { padding: 4px 6px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
    th { color: var(--muted); font-weight: 600; font-size: 12px; }
    .num { text-align: right; }
    td.verdict { white-space: normal; }
    .verdict.good { color: var(--good); } .verdict.bad { color: var(--bad); }
    .hint { color: var(--muted); margin: 0 0 8px; font-size: 12px; }
    .scroll { max-height: 360px; overflow: auto; }
    ol#alerts { list-style: none; margin: 8px 0 0; padding: 0; max-height: 420px; overflow: auto; }
    ol#alerts li { border-bottom: 1px solid var(--line); padding: 5px 0; }
    .badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; color: #fff; background: var(--muted); }
    .badge.info { background: var(--accent); } .badge.warning { background: var(--warn); } .badge.critical { background: var(--bad); }
    .when { color: var(--muted); font-size: 12px; }
    a.user { color: var(--accent); cursor: pointer; text-decoration: underline; }
    .state { font-weight: 400; font-size: 12px; color: var(--muted); }
    form#profile-form { display: flex; gap: 6px; }
    form#profile-form input { flex: 1; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 10px 0 0; }
    dt { color: var(--muted); } dd { margin: 0; font-variant-numeric: tabular-nums; }
    pre { white-space: pre-wrap; word-break: break-all; font-size: 11px; background: var(--page); padding: 6px; }
    footer { padding: 4px 20px 16px; color: var(--muted); font-size: 12px; }
    @media (max-width: 1000px) { main { grid-template-columns: 1fr; } .side { grid-column: 1; grid-row: auto; } }
    """#

    /// A small chart mark, so that browsers do not ask for a `/favicon.ico` that is not there.
    static let icon = #"""
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2563eb"/><path d="M3 12l3-4 3 2 4-6" stroke="#fff" stroke-width="1.8" fill="none"/></svg>
    """#
}
