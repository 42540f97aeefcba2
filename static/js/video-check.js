// The pre-call device check: camera preview, a live microphone level (Web Audio AnalyserNode)
// and a speaker test tone. The page explains the browser's permission prompt before this asks.
(function () {
  "use strict";

  function start() {
    var root = document.getElementById("device-check");
    if (!root) {
      return;
    }
    var button = document.getElementById("start-check");
    var status = document.getElementById("check-status");
    var preview = document.getElementById("camera-preview");
    var meter = document.getElementById("microphone-level");
    var cameraResult = document.getElementById("camera-result");
    var microphoneResult = document.getElementById("microphone-result");
    var tone = document.getElementById("play-tone");
    var speakerResult = document.getElementById("speaker-result");
    var audioContext = null;
    var heard = false;

    function context() {
      if (!audioContext) {
        var Context = window.AudioContext || window.webkitAudioContext;
        audioContext = new Context();
      }
      if (audioContext.state === "suspended") {
        audioContext.resume();
      }
      return audioContext;
    }

    function failed(error) {
      root.dataset.state = "failed";
      var name = error && error.name;
      if (name === "NotAllowedError" || name === "SecurityError") {
        status.textContent =
          "Your browser did not allow the camera and microphone. Allow them in your browser's settings (see below), then reload this page.";
      } else if (name === "NotFoundError" || name === "OverconstrainedError") {
        status.textContent =
          "No camera or microphone was found. Plug one in, or try another device.";
      } else if (name === "NotReadableError") {
        status.textContent =
          "Another app is using your camera or microphone. Close it, then reload this page.";
      } else {
        status.textContent =
          "Your camera and microphone could not be started in this browser. Try another browser (see below).";
      }
      cameraResult.textContent = "No picture.";
    }

    function listen(stream) {
      var audio = context();
      var source = audio.createMediaStreamSource(stream);
      var analyser = audio.createAnalyser();
      analyser.fftSize = 512;
      source.connect(analyser);
      var samples = new Uint8Array(analyser.fftSize);
      function draw() {
        analyser.getByteTimeDomainData(samples);
        var peak = 0;
        for (var i = 0; i < samples.length; i++) {
          peak = Math.max(peak, Math.abs(samples[i] - 128));
        }
        var level = Math.min(100, Math.round((peak / 128) * 100 * 2));
        meter.value = level;
        meter.textContent = String(level);
        root.dataset.microphoneLevel = String(level);
        if (level > 2 && !heard) {
          heard = true;
          microphoneResult.textContent = "Your microphone works: the bar moves when there is sound.";
        }
        window.requestAnimationFrame(draw);
      }
      draw();
    }

    button.addEventListener("click", function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        failed(null);
        return;
      }
      status.textContent = "Waiting for your browser: choose Allow when it asks.";
      navigator.mediaDevices
        .getUserMedia({ audio: true, video: true })
        .then(function (stream) {
          preview.srcObject = stream;
          root.dataset.state = "ok";
          button.hidden = true;
          status.textContent =
            "Your camera and microphone are on. Check that you can see yourself and that the bar moves when you speak.";
          cameraResult.textContent = "You should see yourself. If the picture is black, check nothing covers the camera.";
          listen(stream);
          window.addEventListener("pagehide", function () {
            stream.getTracks().forEach(function (track) {
              track.stop();
            });
          });
        })
        .catch(failed);
    });

    tone.addEventListener("click", function () {
      var audio = context();
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = 660;
      gain.gain.value = 0.2;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + 0.6);
      root.dataset.tonePlayed = "yes";
      speakerResult.textContent =
        "A beep just played. Did you hear it? If not, turn up the volume or choose another speaker or headphones.";
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
