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
    static let javascript = #"""
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

      // MARK: - Charts

      function rate(value) { return value === undefined || value === null ? null : Math.round(value * 1000) / 10; }

      function chartDefinitions() {
        const days = state.days;
        const labels = days.map(d => d.date);
        const line = (label, data, color, axis) => ({ type: 'line', label, data, borderColor: color, backgroundColor: color,
          yAxisID: axis || 'y', pointRadius: 0, borderWidth: 2, spanGaps: true, tension: 0.2 });
        // Most days have no cohort of new users N days back: a point per day that has one,
        // not a line drawn across the days without.
        const cohort = (label, data, color) => Object.assign(line(label, data, color),
          { pointRadius: 2.5, spanGaps: false, borderWidth: 1.5, tension: 0 });
        const bar = (label, data, color) => ({ type: 'bar', label, data, backgroundColor: color, borderWidth: 0, yAxisID: 'y' });
        const percentAxis = { position: 'right', min: 0, grid: { drawOnChartArea: false }, title: { display: true, text: t('percent') } };
        return {
          active: { labels, datasets: [
            line(t('legend.dau'), days.map(d => d.active_users), COLORS[0]),
            line(t('legend.wau'), days.map(d => d.wau), COLORS[1]),
            line(t('legend.mau'), days.map(d => d.mau), COLORS[4]),
            line(t('legend.stickiness'), days.map(d => rate(d.stickiness)), COLORS[2], 'y1')],
            scales: { y: { beginAtZero: true, title: { display: true, text: t('users') } }, y1: percentAxis } },
          revisit: { labels, datasets: [line(t('legend.revisit'), days.map(d => rate(d.revisit_rate)), COLORS[0])],
            scales: { y: { min: 0, max: 100, title: { display: true, text: t('percent') } } } },
          retention: { labels, datasets: [
            cohort(t('legend.d1'), days.map(d => rate(d.retention.d1.rate)), COLORS[0]),
            cohort(t('legend.d7'), days.map(d => rate(d.retention.d7.rate)), COLORS[1]),
            cohort(t('legend.d30'), days.map(d => rate(d.retention.d30.rate)), COLORS[4])],
            scales: { y: { min: 0, max: 100, title: { display: true, text: t('percent') } } } },
          tiers: { labels, datasets: TIERS.map((tier, i) => bar(t('tier.' + tier), days.map(d => d.tiers[tier]), COLORS[i])),
            scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: t('users') } } } },
          stages: { labels, datasets: STAGES.map((stage, i) => bar(t('stage.' + stage), days.map(d => d.stages[stage]), COLORS[i])),
            scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: t('users') } } } },
          recall: { labels, datasets: [
            bar(t('legend.churned'), days.map(d => d.became_churned), COLORS[3]),
            bar(t('legend.recalled'), days.map(d => d.recalled), COLORS[1]),
            line(t('legend.recallRate'), days.map(d => rate(d.recall_rate)), COLORS[0], 'y1')],
            scales: { y: { beginAtZero: true, title: { display: true, text: t('users') } }, y1: percentAxis } }
        };
      }

      function renderCharts() {
        if (typeof Chart === 'undefined') return;
        const definitions = chartDefinitions();
        for (const name of Object.keys(definitions)) {
          const definition = definitions[name];
          const chart = state.charts[name];
          if (chart) {
            chart.data.labels = definition.labels;
            chart.data.datasets = definition.datasets;
            chart.options.scales = definition.scales;
            chart.update('none');
            continue;
          }
          state.charts[name] = new Chart(document.getElementById('chart-' + name), {
            type: definition.datasets.every(d => d.type === 'line') ? 'line' : 'bar',
            data: { labels: definition.labels, datasets: definition.datasets },
            options: { animation: false, responsive: true, maintainAspectRatio: false,
              interaction: { mode: 'index', intersect: false }, scales: definition.scales,
              plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } } }
          });
        }
      }

      // MARK: - Campaigns

      function verdict(entry) {
        if (entry.variant === 'control') return { text: t('verdict.control'), tone: '' };
        if (entry.uplift === undefined) {
          const control = state.campaigns.find(e => e.campaign === entry.campaign && e.variant === 'control');
          if (!control) return { text: t('verdict.noControl'), tone: '' };
          return { text: t(entry.matured === 0 ? 'verdict.emptyVariant' : 'verdict.emptyControl'), tone: '' };
        }
        const points = signedPoints(entry.uplift);
        const change = points[0] === '+' ? t('verdict.over', { pts: points.slice(1) })
          : points[0] === '-' ? t('verdict.under', { pts: points.slice(1) }) : t('verdict.same');
        const shown = pValue(entry.p_value);
        const significant = entry.p_value < 0.05;
        const statement = shown[0] === '<' ? 'p ' + shown : 'p = ' + shown;
        return { text: change + (state.lang === 'zh' ? '，' : ', ') + statement + (state.lang === 'zh' ? '，' : ', ')
          + t(significant ? 'verdict.significant' : 'verdict.notSignificant'),
          tone: significant ? (entry.uplift > 0 ? 'good' : 'bad') : '' };
      }

      function renderCampaigns() {
        const body = document.querySelector('#campaigns tbody');
        body.replaceChildren();
        if (state.campaigns.length === 0) {
          const row = element('tr');
          row.appendChild(element('td', { colspan: '8' }, t('noCampaigns')));
          body.appendChild(row);
          return;
        }
        for (const entry of state.campaigns) {
          const row = element('tr', { 'data-campaign': entry.campaign, 'data-variant': entry.variant === null ? '' : entry.variant });
          const judged = verdict(entry);
          const cells = [
            [entry.campaign, ''], [entry.variant === null ? t('noVariant') : entry.variant, ''],
            [count(entry.matured), 'num'], [count(entry.returned), 'num'], [percent(entry.rate), 'num'],
            [entry.uplift === undefined ? '' : signedPoints(entry.uplift) + ' ' + t('points'), 'num'],
            [entry.p_value === undefined ? '' : pValue(entry.p_value), 'num'], [judged.text, 'verdict ' + judged.tone]];
          for (const [text, style] of cells) row.appendChild(element('td', style ? { class: style.trim() } : {}, text));
          body.appendChild(row);
        }
      }

      // MARK: - Alerts

      function connectAlerts() {
        if (state.alertStream) state.alertStream.abort();
        const controller = new AbortController();
        state.alertStream = controller;
        const type = document.getElementById('alert-type').value;
        state.alerts = [];
        renderAlerts();
        followAlerts('/api/v1/alerts/stream?limit=50' + (type ? '&type=' + encodeURIComponent(type) : ''), controller.signal);
      }

      function setAlertState(name) {
        document.getElementById('alerts-state').dataset.state = name;
        renderAlertState();
      }

      /// Reads the stream and reconnects 3 s after it ends, as EventSource would.
      async function followAlerts(url, signal) {
        while (!signal.aborted) {
          try {
            const response = await request(url, { signal, headers: Object.assign({ Accept: 'text/event-stream' }, authorization()) });
            if (!response.ok || !response.body) throw new Error(response.statusText);
            // Each connection starts over from the server's recent alerts, so that nothing
            // forgotten while it was away stays on the page.
            state.alerts = [];
            scheduleAlerts();
            setAlertState('live');
            await readEvents(response.body, onStreamEvent);
          } catch (error) {
            if (signal.aborted || error instanceof Unauthorized) return;
          }
          setAlertState('reconnecting');
          await new Promise(resolve => setTimeout(resolve, 3000));
        }
      }

      /// Cuts a server-sent event stream into events (`event:` and `data:` lines ended by a
      /// blank line; comments and other fields skipped).
      async function readEvents(body, onEvent) {
        const reader = body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type = 'message';
            const data = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              let text = colon < 0 ? '' : line.slice(colon + 1);
              if (text.startsWith(' ')) text = text.slice(1);
              if (field === 'event') type = text;
              else if (field === 'data') data.push(text);
            }
            if (data.length > 0) onEvent(type, data.join('\n'));
          }
        }
      }

      function onStreamEvent(type, data) {
        if (type === 'forget') { forgetUser(JSON.parse(data).user_id); return; }
        if (type !== 'alert') return;
        const alert = JSON.parse(data);
        if (state.alerts.some(a => a.alert_id === alert.alert_id)) return;
        state.alerts.push(alert);
        state.alerts.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : (a.alert_id < b.alert_id ? 1 : -1)));
        state.alerts.length = Math.min(state.alerts.length, 50);
        scheduleAlerts();
      }

      /// A `forget`: nothing of the user stays on the page.
      function forgetUser(user) {
        state.alerts = state.alerts.filter(a => a.user_id !== user);
        scheduleAlerts();
        const profile = state.profile;
        if (profile && (profile.id === user || (profile.value && profile.value.user_id === user))) {
          state.profile = { id: profile.id, missing: true };
          renderProfile();
        }
      }

      let alertsPending = false;
      function scheduleAlerts() {
        // The backlog arrives as a burst of events: draw once per frame, not once per alert.
        if (alertsPending) return;
        alertsPending = true;
        requestAnimationFrame(() => { alertsPending = false; renderAlerts(); });
      }

      function renderAlertState() {
        const node = document.getElementById('alerts-state');
        node.textContent = node.dataset.state ? '· ' + t(node.dataset.state) : '';
      }

      function alertDetails(alert) {
        const d = alert.details || {};
        const parts = [];
        for (const key of ['streak', 'days_since_last_visit', 'days_absent']) {
          if (d[key] !== undefined) parts.push(t('detail.' + key, { n: d[key] }));
        }
        if (d.campaign) parts.push(t('detail.campaign', { campaign: d.campaign, variant: d.variant || '-' }));
        return parts.join(' · ');
      }

      function renderAlerts() {
        renderAlertState();
        const list = document.getElementById('alerts');
        list.replaceChildren();
        if (state.alerts.length === 0) { list.appendChild(element('li', { class: 'empty' }, t('noAlerts'))); return; }
        for (const alert of state.alerts) {
          const item = element('li', { 'data-alert-id': alert.alert_id, 'data-type': alert.type });
          item.appendChild(element('span', { class: 'badge ' + alert.severity }, t('severity.' + alert.severity)));
          item.appendChild(document.createTextNode(' ' + t('type.' + alert.type) + ' · '));
          const user = element('a', { class: 'user', role: 'button', tabindex: '0' }, alert.user_id);
          user.addEventListener('click', () => lookUp(alert.user_id));
          item.appendChild(user);
          const details = alertDetails(alert);
          if (details) item.appendChild(document.createTextNode(' · ' + details));
          item.appendChild(element('div', { class: 'when' }, time(alert.at)));
          list.appendChild(item);
        }
      }

      // MARK: - Profile

      async function lookUp(id) {
        id = id.trim();
        if (!id) return;
        document.getElementById('profile-id').value = id;
        let response;
        try {
          response = await request('/api/v1/profiles/' + encodeURIComponent(id));
        } catch (error) {
          if (error instanceof Unauthorized) return;
          throw error;
        }
        if (response.status === 404) {
          state.profile = { id, missing: true };
        } else if (response.ok) {
          state.profile = { id, value: await response.json() };
        } else {
          const body = await response.json().catch(() => ({}));
          state.profile = { id, error: body.error || response.statusText };
        }
        renderProfile();
      }

      function renderProfile() {
        const box = document.getElementById('profile');
        box.replaceChildren();
        const profile = state.profile;
        if (!profile) return;
        box.dataset.user = profile.id;
        if (profile.missing || profile.error) {
          box.appendChild(element('p', { class: 'missing' }, profile.error || t('notFound', { id: profile.id })));
          return;
        }
        const p = profile.value;
        const list = element('dl');
        const rows = [
          ['as_of', p.as_of], ['segment', t('tier.' + p.segment)], ['lifecycle', t('stage.' + p.lifecycle)],
          ['churn_risk', percent(p.churn_risk)], ['current_streak', count(p.current_streak)],
          ['longest_streak', count(p.longest_streak)], ['visit_days_total', count(p.visit_days_total)],
          ['vd', [p.vd_7, p.vd_28, p.vd_30, p.vd_90].join(' / ')], ['sessions_total', count(p.sessions_total)],
          ['events_total', count(p.events_total)], ['avg_session_seconds', String(p.avg_session_seconds)],
          ['first_seen', time(p.first_seen)], ['last_seen', time(p.last_seen)], ['revenue_total', String(p.revenue_total)],
          ['recalls_total', count(p.recalls_total)], ['last_campaign', p.last_campaign || '-']];
        for (const [key, value] of rows) {
          list.appendChild(element('dt', {}, t('field.' + key)));
          list.appendChild(element('dd', { 'data-field': key }, value));
        }
        box.appendChild(list);
        const raw = element('details');
        raw.appendChild(element('summary', {}, t('rawJSON')));
        raw.appendChild(element('pre', {}, JSON.stringify(p, null, 1)));
        box.appendChild(raw);
      }

      // MARK: - Status

      async function refreshStatus() {
        const status = await getJSON('/api/v1/status');
        // A day closed since: a view that ended at the last day moves on with it.
        if (state.last && status.last_day && status.last_day > state.last) {
          const following = state.to === state.last;
          state.last = status.last_day;
          document.getElementById('from').max = state.last;
          document.getElementById('to').max = state.last;
          if (following) setRange(state.from, state.last);
        }
        document.getElementById('status').textContent = t('profiles', { n: count(status.profiles) });
        if (!status.ready) notice(t('catchingUp', { reason: status.status }));
        else if (typeof Chart === 'undefined') notice(t('noChart'), true);
        else if (!status.last_day) notice(t('noData'));
        else notice('');
        return status;
      }

      // MARK: - Start

      async function start() {
        const params = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
        let lang = params.get('lang');
        if (!lang) { try { lang = localStorage.getItem('revisit.lang'); } catch (e) { lang = null; } }
        if (!lang) lang = (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
        for (const button of document.querySelectorAll('.language button')) {
          button.addEventListener('click', () => setLanguage(button.dataset.lang));
        }
        for (const button of document.querySelectorAll('.presets button')) {
          button.addEventListener('click', () => preset(Number(button.dataset.days)));
        }
        for (const id of ['from', 'to']) {
          document.getElementById(id).addEventListener('change', () =>
            setRange(document.getElementById('from').value, document.getElementById('to').value));
        }
        document.getElementById('alert-type').addEventListener('change', connectAlerts);
        document.getElementById('profile-form').addEventListener('submit', event => {
          event.preventDefault();
          lookUp(document.getElementById('profile-id').value);
        });
        document.getElementById('sign-in-form').addEventListener('submit', signIn);
        document.getElementById('sign-out').addEventListener('click', () => signedOut(true));
        setLanguage(lang);
        state.params = params;
        // Nothing is asked of the API before there is a token to ask with.
        if (document.body.dataset.token === 'required' && !state.token) showSignIn(null);
        else begin();
      }

      async function begin() {
        const params = state.params;
        document.getElementById('sign-in').hidden = true;
        document.querySelector('main').hidden = false;
        document.getElementById('sign-out').hidden = !state.token;
        try {
          const status = await refreshStatus();
          state.first = status.first_day;
          state.last = status.last_day;
          for (const id of ['from', 'to']) {
            const input = document.getElementById(id);
            if (state.first) input.min = state.first;
            if (state.last) input.max = state.last;
          }
          if (params.get('from') && params.get('to')) setRange(params.get('from'), params.get('to'));
          else if (state.last) preset(30);
          else { document.body.dataset.state = 'ready'; renderAll(); }
        } catch (error) {
          if (error instanceof Unauthorized) return;
          notice(t('loadError', { message: error.message }), true);
          document.body.dataset.state = 'error';
        }
        connectAlerts();
        if (!state.statusTimer) state.statusTimer = setInterval(() => { refreshStatus().catch(() => {}); }, 15000);
      }

      start();
    })();
    """#
}
