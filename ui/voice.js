(said) => {
  // The conversation mode in the browser: microphone frames to /voice/ws, the advisor's events back.
  // Protocol and limits: ui/voice_socket.py. Model text is only ever set as textContent, never as HTML.
  const FRAME = 512; // samples at 16 kHz per message: 32 ms
  const WORKLET = `
class Frames extends AudioWorkletProcessor {
  constructor() { super(); this.step = sampleRate / 16000; this.acc = 0; this.sum = 0; this.count = 0;
    this.out = new Int16Array(${FRAME}); this.n = 0; }
  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) {
      // Averages the samples of each 1/16000 s: a box filter before dropping to 16 kHz.
      this.sum += input[i]; this.count += 1; this.acc += 1;
      if (this.acc < this.step) continue;
      this.acc -= this.step;
      const s = Math.max(-1, Math.min(1, this.sum / this.count));
      this.sum = 0; this.count = 0;
      this.out[this.n++] = s < 0 ? s * 32768 : s * 32767;
      if (this.n === this.out.length) {
        this.port.postMessage(this.out.buffer, [this.out.buffer]);
        this.out = new Int16Array(${FRAME}); this.n = 0;
      }
    }
    return true;
  }
}
registerProcessor('advisor-frames', Frames);`;
  const language = () => {
    const chosen = document.querySelector('#lang input:checked');
    const label = chosen ? (chosen.closest('label') || chosen.parentElement).innerText.trim() : '';
    return chosen && (chosen.value === 'zh' || label === '中文') ? 'zh' : 'en';
  };
  const say = (key) => said[key][language()];
  const CLOSED = {ticket: 'voice_refused', busy: 'voice_busy', idle: 'voice_idle',
    time_limit: 'voice_time_limit', frame_too_big: 'voice_frame', bad_frame: 'voice_frame'};

  let run = null; // the open conversation
  const log = []; // every event received, for the page's tests

  const panel = () => {
    const root = document.querySelector('#voice-panel');
    let box = root && root.querySelector('.voice-box');
    if (root && !box) {
      box = document.createElement('div');
      box.className = 'voice-box';
      for (const part of ['voice-state', 'voice-heard', 'voice-answer']) {
        const line = document.createElement('div');
        line.className = part;
        box.appendChild(line);
      }
      root.appendChild(box);
    }
    return {
      set(part, text) { if (box) box.querySelector('.' + part).textContent = text || ''; },
    };
  };
  const state = (key, extra) => panel().set('voice-state', say(key) + (extra ? ' ' + extra : ''));
  const buttons = (on) => {
    const row = document.querySelector('#voice-row');
    if (row) row.classList.toggle('voice-on', on);
  };
  const redraw = () => { const b = document.querySelector('#voice-refresh'); if (b) b.click(); };

  const stopAudio = () => {
    if (!run) return 0;
    const n = run.sources.size;
    for (const source of run.sources) {
      source.onended = null;
      try { source.stop(); } catch (e) { /* not started yet */ }
    }
    run.sources.clear();
    run.playAt = 0;
    return n;
  };

  const play = (header, bytes) => {
    const send = () => run && run.ws.readyState === 1 &&
      run.ws.send(JSON.stringify({type: 'played', seq: header.seq}));
    const pcm = new Int16Array(bytes);
    if (!pcm.length) { send(); return; }
    const buffer = run.ctx.createBuffer(1, pcm.length, header.sample_rate);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) channel[i] = pcm[i] / 32768;
    const source = run.ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(run.ctx.destination);
    const at = Math.max(run.ctx.currentTime + 0.02, run.playAt); // back to back, never overlapping
    source.start(at);
    run.playAt = at + buffer.duration;
    run.sources.add(source);
    source.onended = () => { if (run) run.sources.delete(source); send(); };
  };

  const onEvent = (event) => {
    log.push(event);
    const kind = event.type;
    if (kind === 'listening') state('voice_listening');
    else if (kind === 'speech') state('voice_hearing');
    else if (kind === 'partial') state('voice_hearing', '“' + event.text + '”');
    else if (kind === 'heard') { panel().set('voice-heard', '🎤 ' + event.text); state('voice_answering'); run.answer = ''; }
    else if (kind === 'delta') {
      run.answer = event.replace ? event.text : run.answer + event.text;
      panel().set('voice-answer', run.answer);
    } else if (kind === 'audio') run.header = event;
    else if (kind === 'stop_audio') { event.stopped = stopAudio(); log.push({type: 'audio_stopped', playing: run.sources.size}); }
    else if (kind === 'notice' || kind === 'error') panel().set('voice-answer', event.message);
    else if (kind === 'turn_end') {
      if (event.interrupted) panel().set('voice-answer', run.answer + ' ' + say('voice_interrupted'));
      redraw();
    }
  };

  const finish = (key) => {
    if (!run) return;
    const ended = run;
    stopAudio();
    run = null;
    clearTimeout(ended.timer);
    if (ended.stream) ended.stream.getTracks().forEach((track) => track.stop());
    ended.ctx.close().catch(() => {});
    if (ended.ws && ended.ws.readyState <= 1) ended.ws.close();
    buttons(false);
    const p = panel();
    p.set('voice-state', say(key));
    p.set('voice-heard', '');
    p.set('voice-answer', '');
    redraw();
  };

  const prepare = () => {
    if (run) return;
    // Made inside the click, so that the browser lets it play sound.
    run = {ctx: new AudioContext(), sources: new Set(), playAt: 0, header: null, answer: '', ws: null};
    buttons(true);
  };

  const start = async (ticket) => {
    if (!run) prepare();
    const current = run;
    if (!ticket) { finish('voice_refused'); return; }
    if (!navigator.mediaDevices || !window.AudioWorkletNode) { finish('voice_no_mic'); return; }
    try {
      current.stream = await navigator.mediaDevices.getUserMedia({audio: {
        echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1}});
      const url = URL.createObjectURL(new Blob([WORKLET], {type: 'application/javascript'}));
      await current.ctx.audioWorklet.addModule(url);
      URL.revokeObjectURL(url);
      await current.ctx.resume();
    } catch (e) {
      if (run === current) finish('voice_no_mic');
      return;
    }
    if (run !== current) { current.stream.getTracks().forEach((track) => track.stop()); return; }
    const address = new URL('voice/ws', window.location.href);
    address.protocol = address.protocol === 'https:' ? 'wss:' : 'ws:';
    address.search = '?ticket=' + encodeURIComponent(ticket);
    const ws = new WebSocket(address.href);
    ws.binaryType = 'arraybuffer';
    current.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      const frames = new AudioWorkletNode(current.ctx, 'advisor-frames');
      frames.port.onmessage = (e) => { if (ws.readyState === 1) ws.send(e.data); };
      current.ctx.createMediaStreamSource(current.stream).connect(frames);
      frames.connect(current.ctx.destination); // silent; keeps the worklet pulled
      state('voice_listening');
    };
    ws.onmessage = (e) => {
      if (run !== current) return;
      if (typeof e.data === 'string') { onEvent(JSON.parse(e.data)); return; }
      const header = current.header;
      current.header = null;
      if (header) play(header, e.data);
    };
    ws.onclose = (e) => {
      if (run !== current) return;
      log.push({type: 'socket_closed', code: e.code, reason: e.reason});
      const reason = CLOSED[e.reason];
      finish(reason || (e.code === 1000 ? 'voice_ended' : opened ? 'voice_lost' : 'voice_refused'));
    };
  };

  const end = () => {
    if (!run) return;
    const current = run;
    if (current.ws && current.ws.readyState === 1) {
      stopAudio();
      current.ws.send(JSON.stringify({type: 'end'}));
      // The server answers with "closed" and closes; if it does not, the page does not wait for it.
      current.timer = setTimeout(() => { if (run === current) finish('voice_ended'); }, 5000);
    } else finish('voice_ended');
  };

  window.advisorVoice = {prepare, start, end, log,
    active: () => run !== null, playing: () => (run ? run.sources.size : 0)};
}
