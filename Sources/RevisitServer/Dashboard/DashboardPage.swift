/// The dashboard's one HTML page: the layout and the English labels, which the script
/// replaces in the chosen language (every `data-i18n` element). Scripts, styles and the
/// chart library come from the server itself, so the page works without internet access.
///
/// The page holds no data. When the API needs a token, the server marks the body with
/// `data-token="required"` (``html(asksForToken:)``) and the script asks for one before it
/// reads anything.
enum DashboardPage {
    /// The page, telling the script whether the API needs a token.
    static func html(asksForToken: Bool) -> String {
        asksForToken ? html.replacingOccurrences(of: "<body>", with: #"<body data-token="required">"#) : html
    }

    static let html = #"""
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Revisit</title>
    <link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
    <link rel="stylesheet" href="/assets/dashboard.css">
    <script src="/assets/chart.min.js" defer></script>
    <script src="/assets/dashboard.js" defer></script>
    </head>
    <body>
    <header>
      <h1 data-i18n="title">Revisit: user retention</h1>
      <form id="range" autocomplete="off">
        <label><span data-i18n="from">From</span> <input type="date" id="from" required></label>
        <label><span data-i18n="to">To</span> <input type="date" id="to" required></label>
        <span class="presets">
          <button type="button" data-days="7" data-i18n="last7">7 days</button>
          <button type="button" data-days="30" data-i18n="last30">30 days</button>
          <button type="button" data-days="90" data-i18n="last90">90 days</button>
          <button type="button" data-days="0" data-i18n="all">All</button>
        </span>
      </form>
      <div class="language" role="group" aria-label="Language / 语言">
        <button type="button" id="lang-en" data-lang="en" aria-pressed="true">EN</button>
        <button type="button" id="lang-zh" data-lang="zh" aria-pressed="false">中文</button>
        <button type="button" id="sign-out" data-i18n="signOut" hidden>Sign out</button>
      </div>
    </header>
    <div id="notice" class="notice" hidden></div>
    <section id="sign-in" class="sign-in" hidden>
      <h2 data-i18n="signInTitle">Access token</h2>
      <p class="hint" data-i18n="signInHint">This dashboard shows user data. Enter an access token; it is kept in this browser tab until the tab is closed.</p>
      <form id="sign-in-form" autocomplete="off">
        <input id="token" type="password" required autocomplete="off" spellcheck="false" data-i18n-placeholder="tokenPlaceholder" placeholder="Token">
        <button type="submit" data-i18n="signIn">Open</button>
      </form>
      <p id="sign-in-error" class="missing" hidden></p>
    </section>
    <main>
      <section class="kpis" aria-labelledby="kpi-title">
        <h2 id="kpi-title"><span data-i18n="asOf">Figures of</span> <span id="kpi-date">-</span></h2>
        <div class="cards">
          <div class="card"><span class="label" data-i18n="dau">Daily active users</span><span class="value" data-kpi="active_users">-</span></div>
          <div class="card"><span class="label" data-i18n="wau">Weekly active users</span><span class="value" data-kpi="wau">-</span></div>
          <div class="card"><span class="label" data-i18n="mau">Monthly active users</span><span class="value" data-kpi="mau">-</span></div>
          <div class="card"><span class="label" data-i18n="stickiness">Stickiness (DAU/MAU)</span><span class="value" data-kpi="stickiness">-</span></div>
          <div class="card"><span class="label" data-i18n="revisitRate">Revisit rate</span><span class="value" data-kpi="revisit_rate">-</span></div>
          <div class="card"><span class="label" data-i18n="d1">Day-1 retention</span><span class="value" data-kpi="retention_d1">-</span></div>
          <div class="card"><span class="label" data-i18n="d7">Day-7 retention</span><span class="value" data-kpi="retention_d7">-</span></div>
          <div class="card"><span class="label" data-i18n="d30">Day-30 retention</span><span class="value" data-kpi="retention_d30">-</span></div>
          <div class="card"><span class="label" data-i18n="newUsers">New users</span><span class="value" data-kpi="new_users">-</span></div>
          <div class="card"><span class="label" data-i18n="churned">Churned</span><span class="value" data-kpi="became_churned">-</span></div>
          <div class="card"><span class="label" data-i18n="recalled">Recalled</span><span class="value" data-kpi="recalled">-</span></div>
          <div class="card"><span class="label" data-i18n="recallRate">Recall rate</span><span class="value" data-kpi="recall_rate">-</span></div>
        </div>
      </section>
      <section class="charts">
        <figure><figcaption data-i18n="activeTitle">Active users and stickiness</figcaption><div class="plot"><canvas id="chart-active"></canvas></div></figure>
        <figure><figcaption data-i18n="revisitTitle">Revisit rate</figcaption><div class="plot"><canvas id="chart-revisit"></canvas></div></figure>
        <figure><figcaption data-i18n="retentionTitle">N-day retention</figcaption><div class="plot"><canvas id="chart-retention"></canvas></div></figure>
        <figure><figcaption data-i18n="tiersTitle">Frequency tiers</figcaption><div class="plot"><canvas id="chart-tiers"></canvas></div></figure>
        <figure><figcaption data-i18n="stagesTitle">Lifecycle stages</figcaption><div class="plot"><canvas id="chart-stages"></canvas></div></figure>
        <figure><figcaption data-i18n="recallTitle">Churned, recalled and recall rate</figcaption><div class="plot"><canvas id="chart-recall"></canvas></div></figure>
      </section>
      <section class="campaigns">
        <h2 data-i18n="campaignsTitle">Win-back campaigns</h2>
        <p class="hint" data-i18n="campaignsHint">Touches that matured in the range; each variant against its campaign's control group.</p>
        <table id="campaigns">
          <thead><tr>
            <th data-i18n="campaign">Campaign</th><th data-i18n="variant">Variant</th>
            <th class="num" data-i18n="matured">Matured</th><th class="num" data-i18n="returned">Returned</th>
            <th class="num" data-i18n="rate">Rate</th><th class="num" data-i18n="uplift">Uplift</th>
            <th class="num" data-i18n="pValue">p-value</th><th data-i18n="verdict">Verdict</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </section>
      <div class="side">
        <section class="alerts">
          <h2><span data-i18n="alertsTitle">Live alerts</span> <span id="alerts-state" class="state"></span></h2>
          <label><span data-i18n="alertType">Type</span>
            <select id="alert-type">
              <option value="" data-i18n="allTypes">All</option>
              <option value="streak_milestone" data-i18n="type.streak_milestone">Streak milestone</option>
              <option value="churn_risk_high" data-i18n="type.churn_risk_high">Churn risk high</option>
              <option value="dormant" data-i18n="type.dormant">Dormant</option>
              <option value="churned" data-i18n="type.churned">Churned</option>
              <option value="recalled" data-i18n="type.recalled">Recalled</option>
            </select>
          </label>
          <ol id="alerts"></ol>
        </section>
        <section class="profile">
          <h2 data-i18n="profileTitle">User profile</h2>
          <form id="profile-form">
            <input id="profile-id" type="search" required maxlength="256" data-i18n-placeholder="userId" placeholder="User id">
            <button type="submit" data-i18n="lookUp">Look up</button>
          </form>
          <div id="profile"></div>
        </section>
      </div>
      <section class="days">
        <h2 data-i18n="daysTitle">Daily figures</h2>
        <div class="scroll">
          <table id="days">
            <thead><tr>
              <th data-i18n="date">Date</th><th class="num" data-i18n="dauShort">DAU</th><th class="num" data-i18n="wauShort">WAU</th>
              <th class="num" data-i18n="mauShort">MAU</th><th class="num" data-i18n="stickinessShort">Stickiness</th>
              <th class="num" data-i18n="revisitShort">Revisit</th><th class="num">d1</th><th class="num">d7</th><th class="num">d30</th>
              <th class="num" data-i18n="churned">Churned</th><th class="num" data-i18n="recalled">Recalled</th>
              <th class="num" data-i18n="recallRate">Recall rate</th><th class="num" data-i18n="partitions">Partitions</th>
            </tr></thead>
            <tbody></tbody>
          </table>
        </div>
      </section>
    </main>
    <footer><span data-i18n="footer">Figures from the metrics, profile and alert topics; a rate without a denominator shows as -.</span> <span id="status"></span></footer>
    </body>
    </html>
    """#
}
