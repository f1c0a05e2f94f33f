/// The dashboard's panels: the charts, the campaign table, the alert feed, the profile
/// lookup and the status line, and the start of the page (see ``DashboardScript``).
extension DashboardScript {
    static let panels = #"""
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
