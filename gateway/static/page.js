// The gateway's page: microphone (getUserMedia + AudioWorklet, 16 kHz PCM over /v1/stream) or a
// file (POST /v1/recognize?stream=true, NDJSON), shown as live captions.
"use strict";

const LOW_CONFIDENCE = 0.6;
const token = new URLSearchParams(location.search).get("token");
const statusLine = document.getElementById("status");
const captions = document.getElementById("captions");
const startButton = document.getElementById("mic-start");
const stopButton = document.getElementById("mic-stop");
const downloadButton = document.getElementById("download-vtt");
let finals = new Map();   // segment -> final result
let interims = new Map(); // segment -> newest interim result
let capture = null;       // {ws, context, media}

function setStatus(text) { statusLine.textContent = text; }

function resetCaptions() { finals = new Map(); interims = new Map(); render(); }

function authHeaders() { return token ? { Authorization: `Bearer ${token}` } : {}; }

function wordSpans(result, className) {
  const line = document.createElement("p");
  line.className = className;
  const words = result.words && result.words.length ? result.words : null;
  if (!words) { line.textContent = result.text; return line; }
  words.forEach((w, i) => {
    const span = document.createElement("span");
    span.textContent = w.word;
    if (w.confidence < LOW_CONFIDENCE) { span.className = "low"; span.title = `confidence ${w.confidence.toFixed(2)}`; }
    line.appendChild(span);
    if (i < words.length - 1) line.appendChild(document.createTextNode(" "));
  });
  return line;
}

function render() {
  captions.replaceChildren();
  const segments = [...new Set([...finals.keys(), ...interims.keys()])].sort((a, b) => a - b);
  for (const segment of segments) {
    const final = finals.get(segment);
    const result = final || interims.get(segment);
    if (result && result.text) captions.appendChild(wordSpans(result, final ? "final" : "interim"));
  }
  downloadButton.disabled = finals.size === 0;
}

// what was said so far as WebVTT: the gateway cuts the cues (POST /v1/captions), as for every interface
async function downloadCaptions() {
  const results = [...finals.values()].sort((a, b) => a.segment - b.segment);
  const response = await fetch("/v1/captions?format=vtt", {
    method: "POST", body: JSON.stringify(results), headers: { ...authHeaders(), "Content-Type": "application/json" },
  });
  if (!response.ok) { const body = await response.json(); setStatus(`captions refused: ${body.reason}`); return; }
  const vtt = await response.text();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([vtt], { type: "text/vtt" }));
  link.download = `${results[0].stream_id}.vtt`;
  link.click();
  URL.revokeObjectURL(link.href);
  setStatus(`captions saved: ${(vtt.match(/ --> /g) || []).length} cues`);
}

// a preview holds only the audio new since the previous one (plus context): it owns its words
// from its start on, and the previous previews' words before that stay
function mergedPreview(previous, result) {
  const kept = previous ? previous.words.filter((w) => (w.start + w.end) / 2 < result.start) : [];
  const words = [...kept, ...result.words];
  return { ...result, words, text: words.map((w) => w.word).join(" ") };
}

function onResult(result) {
  if (result.type === "started") { setStatus(`streaming as ${result.stream_id}`); return; }
  if (result.final) { finals.set(result.segment, result); interims.delete(result.segment); }
  else if (!finals.has(result.segment)) interims.set(result.segment, mergedPreview(interims.get(result.segment), result));
  render();
  if (result.eos) setStatus(`done: ${result.stream_id} ended`);
}

function socketUrl(path) {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  if (token) url.searchParams.set("token", token);
  return url;
}

async function startMicrophone() {
  startButton.disabled = true;
  resetCaptions();
  try {
    const media = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    const context = new AudioContext({ sampleRate: 16000 });
    await context.audioWorklet.addModule("/static/capture-worklet.js");
    const node = new AudioWorkletNode(context, "pcm-capture");
    context.createMediaStreamSource(media).connect(node);
    const ws = new WebSocket(socketUrl("/v1/stream"));
    ws.binaryType = "arraybuffer";
    capture = { ws, context, media };
    ws.onopen = () => {
      // no options: the service defaults (interim results every 400 ms)
      ws.send(JSON.stringify({ type: "start", sample_rate: context.sampleRate, encoding: "pcm_s16le", channels: 1 }));
      node.port.onmessage = (event) => { if (ws.readyState === WebSocket.OPEN) ws.send(event.data); };
      stopButton.disabled = false;
      setStatus("listening…");
    };
    ws.onmessage = (event) => onResult(JSON.parse(event.data));
    ws.onclose = (event) => {
      stopCapture();
      if (event.code !== 1000) setStatus(`closed: ${event.code} ${event.reason}`);
      startButton.disabled = false;
    };
  } catch (error) {
    setStatus(`microphone unavailable: ${error.message}`);
    startButton.disabled = false;
  }
}

function stopCapture() {
  if (!capture) return;
  capture.media.getTracks().forEach((track) => track.stop());
  capture.context.close();
  stopButton.disabled = true;
}

function stopMicrophone() {
  if (!capture) return;
  stopCapture();
  if (capture.ws.readyState === WebSocket.OPEN) capture.ws.send(JSON.stringify({ type: "eos" }));
  setStatus("finishing…");
}

async function transcribeFile(file) {
  resetCaptions();
  setStatus(`uploading ${file.name}…`);
  const response = await fetch("/v1/recognize?stream=true", { method: "POST", body: file, headers: authHeaders() });
  if (!response.ok) { const body = await response.json(); setStatus(`refused: ${body.reason}`); return; }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop();
    lines.filter((line) => line.trim()).forEach((line) => onResult(JSON.parse(line)));
  }
}

startButton.addEventListener("click", startMicrophone);
stopButton.addEventListener("click", stopMicrophone);
downloadButton.addEventListener("click", () => downloadCaptions().catch((error) => setStatus(`captions failed: ${error.message}`)));
document.getElementById("file").addEventListener("change", (event) => {
  const file = event.target.files[0];
  if (file) transcribeFile(file).catch((error) => setStatus(`upload failed: ${error.message}`));
});
