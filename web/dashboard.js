// The dashboard's client code: the live station state, command progress and the energy chart.
// Pages work without it (forms post and come back; the table holds the chart's figures).

const signIn = () =>
  location.assign(`/dashboard/signin?next=${encodeURIComponent(location.pathname)}`);

// Live state: the server sends the state block, rendered, whenever the station changes.
const live = document.getElementById('station-state');
if (live && live.dataset.events && window.EventSource) {
  const source = new EventSource(live.dataset.events);
  source.addEventListener('state', (event) => {
    const { html } = JSON.parse(event.data);
    // Markup the platform rendered and escaped, as in the page itself.
    live.innerHTML = html;
  });
  source.addEventListener('error', () => {
    live.classList.toggle('stale', source.readyState === EventSource.CLOSED);
  });
}

// Commands: sent without leaving the page, then followed until the station answers.
const progress = document.getElementById('command-progress');
const commandForms = [...document.querySelectorAll('form[data-command]')];

function show(text, refused) {
  if (!progress) return;
  progress.hidden = false;
  progress.textContent = text;
  progress.classList.toggle('refused', Boolean(refused));
}

function busy(on) {
  for (const button of document.querySelectorAll('form[data-command] button')) {
    button.disabled = on;
  }
}

async function follow(url) {
  busy(true);
  try {
    for (;;) {
      const response = await fetch(url, { headers: { accept: 'application/json' } });
      if (response.status === 401) return signIn();
      if (!response.ok) return;
      const command = await response.json();
      show(command.text, command.status !== 'accepted' && command.done);
      if (command.done) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    busy(false);
  }
}

for (const form of commandForms) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    const submitter = event.submitter;
    if (submitter && submitter.name) body.set(submitter.name, submitter.value);
    busy(true);
    let response;
    try {
      response = await fetch(form.action, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
    } finally {
      busy(false);
    }
    if (response.status === 401) return signIn();
    const answer = await response.json().catch(() => ({}));
    if (response.status === 202) {
      show(answer.text, false);
      await follow(answer.progress);
    } else {
      show(answer.text || response.statusText, true);
    }
  });
}

// A command sent by a form without script: its progress, until the station answers.
if (progress && progress.dataset.progress) void follow(progress.dataset.progress);

// The energy chart (Chart.js, served by the platform); the table under it has the figures.
// Tempo's tariffs in the colours of their days (blue, white drawn grey, red), lighter off-peak.
const TEMPO = {
  hcjb: '#6fa8dc',
  hpjb: '#1c4f8c',
  hcjw: '#c9ccd1',
  hpjw: '#7d838c',
  hcjr: '#e8857d',
  hpjr: '#a3221a',
};
const COLOURS = {
  station: { hc: '#4f9fc7', hp: '#00557f', base: '#00557f', ...TEMPO },
  house: { hc: '#d9a441', hp: '#7a4b00', base: '#7a4b00', ...TEMPO },
};
const canvas = document.getElementById('energy-chart');
if (canvas && canvas.dataset.source && window.Chart) {
  fetch(canvas.dataset.source, { headers: { accept: 'application/json' } })
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then((chart) => {
      new window.Chart(canvas, {
        type: 'bar',
        data: {
          labels: chart.days,
          datasets: chart.series.map((series) => ({
            label: series.label,
            data: series.values,
            stack: series.source,
            backgroundColor: COLOURS[series.source][series.tariff],
            // The house's bars are outlined, so that its Tempo colours differ from the station's.
            borderColor: '#2b2b2b',
            borderWidth: series.source === 'house' ? 1 : 0,
          })),
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: {
            x: { stacked: true },
            y: { stacked: true, beginAtZero: true, title: { display: true, text: chart.unit } },
          },
        },
      });
    })
    .catch(() => {
      canvas.hidden = true;
    });
}
