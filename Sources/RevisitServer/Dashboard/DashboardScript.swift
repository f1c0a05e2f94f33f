/// The dashboard's script: reads the JSON API, draws the charts with Chart.js, follows the
/// alert stream and switches the labels between English and Simplified Chinese.
///
/// Plain JavaScript for current browsers, without modules or a build step, so that the page
/// needs nothing but this server and the Debian package of Chart.js.
///
/// When the API needs a token (`data-token="required"` on the body), the page asks for one
/// and keeps it in the tab's `sessionStorage` (gone with the tab, never in the address or a
/// cookie), and sends it as `Authorization: Bearer` with every request. That is also why the
/// alert stream is read with `fetch` rather than `EventSource`, which cannot send a header.
/// A `forget` event on the stream removes the user's alerts and profile from the page.
enum DashboardScript {
    /// The whole script: the page's state and data (``core``), then its panels (``panels``).
    static let javascript = core + "\n" + panels

    /// Labels, formatting, access, language, the date range and the figures of a day.
    static let core = #"""
    'use strict';
    (function () {
      // MARK: - Labels

      const TEXT = {
        en: {
          title: 'Revisit: user retention', from: 'From', to: 'To', last7: '7 days', last30: '30 days', last90: '90 days', all: 'All',
          asOf: 'Figures of', dau: 'Daily active users', wau: 'Weekly active users', mau: 'Monthly active users',
          stickiness: 'Stickiness (DAU/MAU)', revisitRate: 'Revisit rate', d1: 'Day-1 retention', d7: 'Day-7 retention',
          d30: 'Day-30 retention', newUsers: 'New users', churned: 'Churned', recalled: 'Recalled', recallRate: 'Recall rate',
          activeTitle: 'Active users and stickiness', revisitTitle: 'Revisit rate', retentionTitle: 'N-day retention',
          tiersTitle: 'Frequency tiers', stagesTitle: 'Lifecycle stages', recallTitle: 'Churned, recalled and recall rate',
          'tier.high': 'High', 'tier.medium': 'Medium', 'tier.low': 'Low', 'tier.churned': 'Churned',
          'stage.new': 'New', 'stage.active': 'Active', 'stage.at_risk': 'At risk', 'stage.dormant': 'Dormant',
          'stage.churned': 'Churned', 'stage.recalled': 'Recalled',
          campaignsTitle: 'Win-back campaigns',
          campaignsHint: "Touches that matured in the range; each variant against its campaign's control group.",
          campaign: 'Campaign', variant: 'Variant', matured: 'Matured', returned: 'Returned', rate: 'Rate', uplift: 'Uplift',
          pValue: 'p-value', verdict: 'Verdict', noCampaigns: 'No win-back touch matured in the range.', noVariant: '(none)',
          'verdict.control': 'Control group: the baseline the variants are compared with',
          'verdict.noControl': 'No control group in the range, so no comparison',
          'verdict.emptyVariant': 'No touch of this variant matured in the range, so no comparison',
          'verdict.emptyControl': 'No touch of the control group matured in the range, so no comparison',
          'verdict.over': '{pts} points over control', 'verdict.under': '{pts} points under control',
          'verdict.same': 'same rate as control', 'verdict.significant': 'significant at 5%',
          'verdict.notSignificant': 'not significant at 5% (could be chance)', points: 'pts',
          alertsTitle: 'Live alerts', alertType: 'Type', allTypes: 'All', live: 'live', reconnecting: 'reconnecting…',
          noAlerts: 'No alerts yet.',
          'type.streak_milestone': 'Streak milestone', 'type.churn_risk_high': 'Churn risk high', 'type.dormant': 'Dormant',
          'type.churned': 'Churned', 'type.recalled': 'Recalled',
          'severity.info': 'info', 'severity.warning': 'warning', 'severity.critical': 'critical',
          'detail.streak': '{n}-day streak', 'detail.days_since_last_visit': '{n} days since the last visit',
          'detail.days_absent': 'back after {n} days', 'detail.campaign': 'via {campaign}/{variant}',
          profileTitle: 'User profile', userId: 'User id', lookUp: 'Look up',
          notFound: 'No profile of {id}: unknown user, or forgotten.',
          'field.as_of': 'As of', 'field.segment': 'Tier', 'field.lifecycle': 'Stage', 'field.churn_risk': 'Churn risk',
          'field.current_streak': 'Current streak', 'field.longest_streak': 'Longest streak',
          'field.visit_days_total': 'Visit days', 'field.sessions_total': 'Sessions', 'field.events_total': 'Events',
          'field.first_seen': 'First seen', 'field.last_seen': 'Last seen', 'field.vd': 'Visit days in 7 / 28 / 30 / 90 days',
          'field.avg_session_seconds': 'Average session (s)', 'field.revenue_total': 'Revenue',
          'field.recalls_total': 'Recalls', 'field.last_campaign': 'Last campaign', rawJSON: 'JSON as stored',
          daysTitle: 'Daily figures', date: 'Date', dauShort: 'DAU', wauShort: 'WAU', mauShort: 'MAU',
          stickinessShort: 'Stickiness', revisitShort: 'Revisit', partitions: 'Partitions',
          footer: 'Figures from the metrics, profile and alert topics; a rate without a denominator shows as -.',
          catchingUp: 'Still reading the topics ({reason}): figures are filling in.',
          noChart: 'Charts are unavailable: the server has no Chart.js (install Debian\'s libjs-chart.js there). Tables still work.',
          noData: 'No daily metrics yet: the pipeline writes a day once it closes.', loadError: 'Could not load: {message}',
          profiles: '{n} profiles', 'legend.dau': 'DAU', 'legend.wau': 'WAU', 'legend.mau': 'MAU',
          'legend.stickiness': 'Stickiness %', 'legend.revisit': 'Revisit rate %', 'legend.d1': 'Day 1 %',
          'legend.d7': 'Day 7 %', 'legend.d30': 'Day 30 %', 'legend.churned': 'Churned', 'legend.recalled': 'Recalled',
          'legend.recallRate': 'Recall rate %', users: 'Users', percent: '%',
          signInTitle: 'Access token', signIn: 'Open', signOut: 'Sign out', tokenPlaceholder: 'Token',
          signInHint: 'This dashboard shows user data. Enter an access token; it is kept in this browser tab until the tab is closed.',
          tokenRefused: 'The server did not accept this token.', tokenNeeded: 'The server needs an access token.'
        },
        zh: {
          title: 'Revisit：用户留存', from: '从', to: '到', last7: '近 7 天', last30: '近 30 天', last90: '近 90 天', all: '全部',
          asOf: '数据日期', dau: '日活跃用户', wau: '周活跃用户', mau: '月活跃用户',
          stickiness: '黏性（日活/月活）', revisitRate: '回访率', d1: '次日留存', d7: '7 日留存',
          d30: '30 日留存', newUsers: '新用户', churned: '流失', recalled: '召回', recallRate: '召回率',
          activeTitle: '活跃用户与黏性', revisitTitle: '回访率', retentionTitle: 'N 日留存',
          tiersTitle: '访问频次分层', stagesTitle: '生命周期阶段', recallTitle: '流失、召回与召回率',
          'tier.high': '高频', 'tier.medium': '中频', 'tier.low': '低频', 'tier.churned': '已流失',
          'stage.new': '新用户', 'stage.active': '活跃', 'stage.at_risk': '有流失风险', 'stage.dormant': '沉睡',
          'stage.churned': '已流失', 'stage.recalled': '已召回',
          campaignsTitle: '召回活动', campaignsHint: '所选范围内到期的触达；每个组别与其活动的对照组比较。',
          campaign: '活动', variant: '组别', matured: '已到期', returned: '已回访', rate: '回访率', uplift: '提升',
          pValue: 'p 值', verdict: '结论', noCampaigns: '所选范围内没有到期的召回触达。', noVariant: '（无）',
          'verdict.control': '对照组：各组别与之比较的基线',
          'verdict.noControl': '范围内没有对照组，无法比较',
          'verdict.emptyVariant': '范围内该组别没有到期的触达，无法比较',
          'verdict.emptyControl': '范围内对照组没有到期的触达，无法比较',
          'verdict.over': '比对照组高 {pts} 个百分点', 'verdict.under': '比对照组低 {pts} 个百分点',
          'verdict.same': '与对照组持平', 'verdict.significant': '在 5% 水平上显著',
          'verdict.notSignificant': '在 5% 水平上不显著（可能是偶然）', points: '个百分点',
          alertsTitle: '实时告警', alertType: '类型', allTypes: '全部', live: '实时', reconnecting: '正在重新连接…',
          noAlerts: '暂无告警。',
          'type.streak_milestone': '连续访问里程碑', 'type.churn_risk_high': '流失风险高', 'type.dormant': '沉睡',
          'type.churned': '已流失', 'type.recalled': '已召回',
          'severity.info': '提示', 'severity.warning': '警告', 'severity.critical': '严重',
          'detail.streak': '连续 {n} 天', 'detail.days_since_last_visit': '距上次访问 {n} 天',
          'detail.days_absent': '离开 {n} 天后回访', 'detail.campaign': '来自 {campaign}/{variant}',
          profileTitle: '用户画像', userId: '用户 ID', lookUp: '查询',
          notFound: '没有 {id} 的画像：未知用户，或已被删除。',
          'field.as_of': '截至', 'field.segment': '频次分层', 'field.lifecycle': '生命周期阶段', 'field.churn_risk': '流失风险',
          'field.current_streak': '当前连续天数', 'field.longest_streak': '最长连续天数',
          'field.visit_days_total': '访问天数', 'field.sessions_total': '会话数', 'field.events_total': '事件数',
          'field.first_seen': '首次出现', 'field.last_seen': '最近出现', 'field.vd': '近 7 / 28 / 30 / 90 天的访问天数',
          'field.avg_session_seconds': '平均会话时长（秒）', 'field.revenue_total': '收入',
          'field.recalls_total': '召回次数', 'field.last_campaign': '最近活动', rawJSON: '存储的 JSON',
          daysTitle: '每日数据', date: '日期', dauShort: '日活', wauShort: '周活', mauShort: '月活',
          stickinessShort: '黏性', revisitShort: '回访', partitions: '分区数',
          footer: '数据来自指标、画像与告警主题；分母为 0 的比率显示为 -。',
          catchingUp: '仍在读取主题（{reason}）：数据正在补全。',
          noChart: '图表不可用：服务器没有 Chart.js（请在服务器上安装 Debian 的 libjs-chart.js）。表格仍可使用。',
          noData: '暂无每日数据：流水线在一天结束后写入。', loadError: '加载失败：{message}',
          profiles: '{n} 个用户画像', 'legend.dau': '日活', 'legend.wau': '周活', 'legend.mau': '月活',
          'legend.stickiness': '黏性 %', 'legend.revisit': '回访率 %', 'legend.d1': '次日 %',
          'legend.d7': '7 日 %', 'legend.d30': '30 日 %', 'legend.churned': '流失', 'legend.recalled': '召回',
          'legend.recallRate': '召回率 %', users: '用户数', percent: '%',
          signInTitle: '访问令牌', signIn: '打开', signOut: '退出', tokenPlaceholder: '令牌',
          signInHint: '此看板包含用户数据。请输入访问令牌；令牌只保存在当前浏览器标签页中，关闭标签页即清除。',
          tokenRefused: '服务器不接受此令牌。', tokenNeeded: '服务器需要访问令牌。'
        }
      };

      const TIERS = ['high', 'medium', 'low', 'churned'];
      const STAGES = ['new', 'active', 'at_risk', 'dormant', 'churned', 'recalled'];
      const COLORS = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2'];
      const DAY_MS = 86400000;

      const state = { lang: 'en', first: null, last: null, from: null, to: null, days: [], campaigns: [],
                      alerts: [], alertStream: null, charts: {}, profile: null, token: storedToken(), statusTimer: null };

      function t(key, values) {
        let text = (TEXT[state.lang] && TEXT[state.lang][key]) || TEXT.en[key] || key;
        if (values) for (const name of Object.keys(values)) text = text.split('{' + name + '}').join(String(values[name]));
        return text;
      }

      // MARK: - Formatting

      function count(n) { return new Intl.NumberFormat(state.lang === 'zh' ? 'zh-CN' : 'en-US').format(n); }
      function percent(rate) { return rate === undefined || rate === null ? '-' : (rate * 100).toFixed(1) + '%'; }
      function pValue(p) { return p < 0.000001 ? '< 0.000001' : p.toFixed(p < 0.001 ? 6 : 3); }
      function signedPoints(uplift) {
        const text = Math.abs(uplift * 100).toFixed(1);
        return text === '0.0' ? text : (uplift > 0 ? '+' : '-') + text;
      }
      function addDays(date, n) { return new Date(Date.parse(date + 'T00:00:00Z') + n * DAY_MS).toISOString().slice(0, 10); }
      function time(text) { return text ? text.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '-'; }
      function element(tag, attributes, text) {
        const node = document.createElement(tag);
        for (const name of Object.keys(attributes || {})) node.setAttribute(name, attributes[name]);
        if (text !== undefined) node.textContent = text;
        return node;
      }
      function notice(text, isError) {
        const box = document.getElementById('notice');
        box.hidden = !text;
        box.textContent = text || '';
        box.classList.toggle('error', !!isError);
      }

      // MARK: - Access

      /// The server refused the token (or asked for one): the page signs out.
      class Unauthorized extends Error {}

      function storedToken() {
        try { return sessionStorage.getItem('revisit.token'); } catch (e) { return null; }
      }

      function authorization() {
        return state.token ? { Authorization: 'Bearer ' + state.token } : {};
      }

      async function request(url, options) {
        const response = await fetch(url, Object.assign({ cache: 'no-store', headers: authorization() }, options || {}));
        if (response.status === 401) { signedOut(); throw new Unauthorized(t('tokenRefused')); }
        return response;
      }

      async function getJSON(url) {
        const response = await request(url);
        const body = await response.json();
        if (!response.ok) throw new Error(body.error || response.statusText);
        return body;
      }

      function showSignIn(message) {
        document.getElementById('sign-in').hidden = false;
        document.querySelector('main').hidden = true;
        document.getElementById('sign-out').hidden = true;
        const error = document.getElementById('sign-in-error');
        error.hidden = !message;
        error.textContent = message ? t(message) : '';
        document.body.dataset.state = 'signed-out';
        document.getElementById('token').focus();
      }

      /// Forgets the token and everything shown with it, then asks for a token.
      function signedOut(quietly) {
        const had = !!state.token;
        state.token = null;
        try { sessionStorage.removeItem('revisit.token'); } catch (e) { /* nothing kept */ }
        if (state.alertStream) { state.alertStream.abort(); state.alertStream = null; }
        if (state.statusTimer) { clearInterval(state.statusTimer); state.statusTimer = null; }
        state.alerts = [];
        state.profile = null;
        state.days = [];
        state.campaigns = [];
        renderAll();
        renderAlerts();
        renderProfile();
        showSignIn(quietly ? null : had ? 'tokenRefused' : 'tokenNeeded');
      }

      function signIn(event) {
        event.preventDefault();
        const input = document.getElementById('token');
        const token = input.value.trim();
        input.value = '';
        if (!token) return;
        state.token = token;
        try { sessionStorage.setItem('revisit.token', token); } catch (e) { /* kept in memory only */ }
        begin();
      }

      // MARK: - Language

      function setLanguage(lang) {
        state.lang = TEXT[lang] ? lang : 'en';
        try { localStorage.setItem('revisit.lang', state.lang); } catch (e) { /* private mode: the choice is not kept */ }
        document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
        document.title = t('title');
        for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
        for (const node of document.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
        for (const button of document.querySelectorAll('.language button')) {
          button.setAttribute('aria-pressed', String(button.dataset.lang === state.lang));
        }
        document.body.dataset.lang = state.lang;
        renderAll();
        renderAlerts();
        renderProfile();
        remember();
      }

      // MARK: - Range

      function remember() {
        if (!state.from) return;
        const hash = '#from=' + state.from + '&to=' + state.to + '&lang=' + state.lang;
        if (location.hash !== hash) history.replaceState(null, '', hash);
      }

      function setRange(from, to) {
        if (!from || !to) return;
        if (from > to) { const swap = from; from = to; to = swap; }
        state.from = from;
        state.to = to;
        document.getElementById('from').value = from;
        document.getElementById('to').value = to;
        remember();
        load();
      }

      function preset(days) {
        if (!state.last) return;
        setRange(days > 0 ? maxDate(addDays(state.last, 1 - days), state.first) : state.first, state.last);
      }
      function maxDate(a, b) { return !b || a > b ? a : b; }

      async function load() {
        const range = state.from + '/' + state.to;
        document.body.dataset.state = 'loading';
        const query = '?from=' + encodeURIComponent(state.from) + '&to=' + encodeURIComponent(state.to);
        try {
          const [days, campaigns] = await Promise.all([getJSON('/api/v1/daily' + query), getJSON('/api/v1/campaigns' + query)]);
          // A later choice of range may have answered first.
          if (range !== state.from + '/' + state.to) return;
          state.days = days;
          state.campaigns = campaigns;
          renderAll();
          document.body.dataset.range = range;
          document.body.dataset.state = 'ready';
        } catch (error) {
          if (error instanceof Unauthorized) return;
          notice(t('loadError', { message: error.message }), true);
          document.body.dataset.state = 'error';
        }
      }

      // MARK: - Figures of a day

      function renderAll() {
        renderCards();
        renderCharts();
        renderCampaigns();
        renderDays();
      }

      function renderCards() {
        const day = state.days[state.days.length - 1];
        document.getElementById('kpi-date').textContent = day ? day.date : '-';
        const values = day ? {
          active_users: count(day.active_users), wau: count(day.wau), mau: count(day.mau), new_users: count(day.new_users),
          stickiness: percent(day.stickiness), revisit_rate: percent(day.revisit_rate),
          retention_d1: percent(day.retention.d1.rate), retention_d7: percent(day.retention.d7.rate),
          retention_d30: percent(day.retention.d30.rate), became_churned: count(day.became_churned),
          recalled: count(day.recalled), recall_rate: percent(day.recall_rate)
        } : {};
        for (const node of document.querySelectorAll('[data-kpi]')) node.textContent = values[node.dataset.kpi] || '-';
      }

      function renderDays() {
        const body = document.querySelector('#days tbody');
        body.replaceChildren();
        for (const day of state.days.slice().reverse()) {
          const row = element('tr', { 'data-date': day.date });
          const cells = [day.date, count(day.active_users), count(day.wau), count(day.mau), percent(day.stickiness),
            percent(day.revisit_rate), percent(day.retention.d1.rate), percent(day.retention.d7.rate),
            percent(day.retention.d30.rate), count(day.became_churned), count(day.recalled), percent(day.recall_rate),
            count(day.partitions)];
          cells.forEach((text, i) => row.appendChild(element('td', i === 0 ? {} : { class: 'num' }, text)));
          body.appendChild(row);
        }
      }

    """#
}
