// The visit room: WebRTC between the patient's and the clinician's browsers, peer to peer.
//
// Signalling goes through the app's own endpoint (data-signals-url): POST one JSON message,
// poll GET ?after=<id> for the other side's. Both polls and posts are background requests
// (X-Housecall-Background), so they never count as the person's activity; video-presence.js
// sends the heartbeat that does, while the page is visible.
//
// The protocol: each page load (and each rejoin) is a new "peer" that announces itself with
// "join". The clinician always makes the offer: on joining, and whenever the patient (re)joins;
// each offer starts a new "session", and answers and candidates of an older session are
// ignored. "bye" says a side left. A closed room (the visit completed) answers 403, which ends
// the call on this side too. What Playwright reads: data-connection-state and data-frames on
// the room element.
(function () {
  "use strict";

  var BACKGROUND = "X-Housecall-Background";
  var CONNECTED_POLL_MS = 3000;
  var STATS_EVERY_MS = 2000;

  function token() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function start() {
    var room = document.getElementById("video-room");
    if (!room) {
      return;
    }
    var role = room.dataset.role;
    var url = room.dataset.signalsUrl;
    var after = Number(room.dataset.after) || 0;
    var pollMs = Number(room.dataset.pollMs) || 1000;
    var timeoutSeconds = Number(room.dataset.connectTimeout) || 20;
    var iceServers = JSON.parse(room.dataset.iceServers || "[]");
    var csrf = room.dataset.csrf;
    var other = role === "clinician" ? "The patient" : "Your clinician";

    var remoteVideo = document.getElementById("remote-video");
    var localVideo = document.getElementById("local-video");
    var statusLine = document.getElementById("room-status");
    var quality = document.getElementById("connection-quality");
    var muteButton = document.getElementById("toggle-mute");
    var cameraButton = document.getElementById("toggle-camera");
    var hangUpButton = document.getElementById("hang-up");
    var rejoinButton = document.getElementById("rejoin");
    var fallback = document.getElementById("phone-fallback");
    var phoneRequest = document.getElementById("phone-request");

    var peer = token();
    var pc = null;
    var session = null;
    var pendingCandidates = [];
    var localStream = null;
    var inCall = false;
    var closed = false;
    var connectTimer = null;
    var statsTimer = null;
    var lastLoss = null;
    var handling = Promise.resolve();
    var sending = Promise.resolve();
    var muted = false;
    var cameraOff = false;

    if (fallback && fallback.dataset.shownByScript === "on-failure") {
      fallback.hidden = true;
    }

    function setState(state) {
      room.dataset.connectionState = state;
    }

    function say(text) {
      statusLine.textContent = text;
    }

    function showFallback() {
      if (room.dataset.connectionState === "connected" || closed) {
        return;
      }
      room.dataset.fallback = "shown";
      if (role === "clinician") {
        say(
          "Video has not connected after " + timeoutSeconds + " seconds. You can call the patient: their number is beside the video."
        );
      } else {
        say(
          "Video could not connect after " + timeoutSeconds + " seconds. You can still have your visit by phone: see below."
        );
        if (fallback) {
          fallback.hidden = false;
        }
      }
    }

    function startConnectTimer() {
      window.clearTimeout(connectTimer);
      connectTimer = window.setTimeout(showFallback, timeoutSeconds * 1000);
    }

    // Sent in order, one after the other: an answer always reaches the server before the
    // candidates that follow it.
    function send(message) {
      message.peer = message.peer || peer;
      sending = sending.then(function () {
        return fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "X-CSRFToken": csrf,
            [BACKGROUND]: "1",
          },
          body: JSON.stringify(message),
        })
          .then(function (response) {
            if (response.status === 403) {
              return response.json().then(function (body) {
                end(body.error);
              });
            }
          })
          .catch(function () {});
      });
      return sending;
    }

    function stopStats() {
      window.clearInterval(statsTimer);
      statsTimer = null;
    }

    function closePeer() {
      stopStats();
      if (pc) {
        pc.onicecandidate = null;
        pc.ontrack = null;
        pc.onconnectionstatechange = null;
        pc.close();
      }
      pc = null;
      session = null;
      pendingCandidates = [];
      remoteVideo.srcObject = null;
    }

    function newPeer(sessionId) {
      closePeer();
      session = sessionId;
      var connection = new RTCPeerConnection({ iceServers: iceServers });
      pc = connection;
      if (localStream) {
        localStream.getTracks().forEach(function (track) {
          connection.addTrack(track, localStream);
        });
      } else {
        connection.addTransceiver("audio", { direction: "recvonly" });
        connection.addTransceiver("video", { direction: "recvonly" });
      }
      var remoteStream = new MediaStream();
      connection.ontrack = function (event) {
        remoteStream.addTrack(event.track);
        if (remoteVideo.srcObject !== remoteStream) {
          remoteVideo.srcObject = remoteStream;
        }
        playRemote();
      };
      connection.onicecandidate = function (event) {
        if (event.candidate && event.candidate.candidate && pc === connection) {
          send({
            type: "candidate",
            session: sessionId,
            candidate: event.candidate.candidate,
            sdpMid: event.candidate.sdpMid,
            sdpMLineIndex: event.candidate.sdpMLineIndex,
          });
        }
      };
      connection.onconnectionstatechange = function () {
        if (pc !== connection) {
          return;
        }
        var state = connection.connectionState;
        setState(state);
        if (state === "connected") {
          window.clearTimeout(connectTimer);
          say("Connected. " + other + " can see and hear you.");
          if (fallback && fallback.dataset.shownByScript === "on-failure") {
            fallback.hidden = true;
          }
          startStats(connection);
        } else if (state === "disconnected") {
          say("The connection dropped. Trying to reconnect…");
        } else if (state === "failed") {
          stopStats();
          showFallback();
        }
      };
      return connection;
    }

    function playRemote() {
      var playing = remoteVideo.play();
      if (playing && playing.catch) {
        playing.catch(function () {
          // The browser wants a click before playing sound: play muted, offer the sound.
          remoteVideo.muted = true;
          remoteVideo.play().catch(function () {});
          say("Connected. Select the video to turn on the sound.");
          remoteVideo.addEventListener(
            "click",
            function () {
              remoteVideo.muted = false;
            },
            { once: true }
          );
        });
      }
    }

    function flushCandidates() {
      var waiting = pendingCandidates;
      pendingCandidates = [];
      return Promise.all(
        waiting.map(function (candidate) {
          return pc.addIceCandidate(candidate).catch(function () {});
        })
      );
    }

    function offer(patientJoined) {
      var connection = newPeer(token());
      var sessionId = session;
      if (patientJoined) {
        say("The patient joined. Connecting…");
        startConnectTimer();
      }
      return connection
        .createOffer()
        .then(function (description) {
          return connection.setLocalDescription(description);
        })
        .then(function () {
          if (pc === connection) {
            return send({ type: "offer", session: sessionId, sdp: connection.localDescription.sdp });
          }
        });
    }

    function answer(message) {
      var connection = newPeer(message.session);
      say("Connecting to your clinician…");
      startConnectTimer();
      return connection
        .setRemoteDescription({ type: "offer", sdp: message.sdp })
        .then(flushCandidates)
        .then(function () {
          return connection.createAnswer();
        })
        .then(function (description) {
          return connection.setLocalDescription(description);
        })
        .then(function () {
          if (pc === connection) {
            return send({ type: "answer", session: message.session, sdp: connection.localDescription.sdp });
          }
        });
    }

    function handle(message) {
      if (!inCall || closed) {
        return Promise.resolve();
      }
      if (message.type === "join") {
        return role === "clinician" ? offer(true) : Promise.resolve();
      }
      if (message.type === "offer" && role === "patient") {
        return answer(message);
      }
      if (message.type === "answer" && role === "clinician" && pc && message.session === session) {
        return pc.setRemoteDescription({ type: "answer", sdp: message.sdp }).then(flushCandidates);
      }
      if (message.type === "candidate" && pc && message.session === session) {
        var candidate = {
          candidate: message.candidate,
          sdpMid: message.sdpMid,
          sdpMLineIndex: message.sdpMLineIndex,
        };
        if (!pc.remoteDescription) {
          pendingCandidates.push(candidate);
          return Promise.resolve();
        }
        return pc.addIceCandidate(candidate).catch(function () {});
      }
      if (message.type === "bye") {
        closePeer();
        window.clearTimeout(connectTimer);
        setState("waiting");
        say(other + " left the call. They can rejoin: stay on this page.");
      }
      return Promise.resolve();
    }

    function poll() {
      if (closed) {
        return;
      }
      fetch(url + "?after=" + after, {
        credentials: "same-origin",
        headers: { [BACKGROUND]: "1", Accept: "application/json" },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (response.redirected || type.indexOf("application/json") === -1) {
            // Signed out (the idle timeout): the page itself leads to the sign-in.
            window.location.reload();
            return null;
          }
          return response.json().then(function (body) {
            if (response.status === 403) {
              end(body.error);
              return null;
            }
            if (!response.ok) {
              return null;
            }
            if (body.phone_requested && phoneRequest) {
              phoneRequest.hidden = false;
            }
            body.signals.forEach(function (message) {
              after = Math.max(after, message.id);
              handling = handling.then(function () {
                return handle(message).catch(function () {});
              });
            });
            return handling;
          });
        })
        .catch(function () {})
        .then(function () {
          if (!closed) {
            var wait = room.dataset.connectionState === "connected" ? CONNECTED_POLL_MS : pollMs;
            window.setTimeout(poll, wait);
          }
        });
    }

    function startStats(connection) {
      stopStats();
      lastLoss = null;
      statsTimer = window.setInterval(function () {
        if (pc !== connection) {
          return;
        }
        connection.getStats().then(function (report) {
          var rtt = null;
          var frames = 0;
          var lost = 0;
          var received = 0;
          report.forEach(function (stat) {
            if (stat.type === "candidate-pair" && stat.nominated && stat.state === "succeeded") {
              if (typeof stat.currentRoundTripTime === "number") {
                rtt = stat.currentRoundTripTime;
              }
            } else if (stat.type === "inbound-rtp") {
              lost += stat.packetsLost || 0;
              received += stat.packetsReceived || 0;
              if (stat.kind === "video") {
                frames = stat.framesDecoded || 0;
              }
            }
          });
          room.dataset.frames = String(frames);
          var loss = 0;
          if (lastLoss) {
            var newLost = lost - lastLoss.lost;
            var newReceived = received - lastLoss.received;
            loss = newLost + newReceived > 0 ? newLost / (newLost + newReceived) : 0;
          }
          lastLoss = { lost: lost, received: received };
          var words = "good";
          if ((rtt !== null && rtt > 0.6) || loss > 0.08) {
            words = "poor";
          } else if ((rtt !== null && rtt > 0.3) || loss > 0.02) {
            words = "fair";
          }
          quality.dataset.quality = words;
          quality.textContent =
            words + (rtt !== null ? " (" + Math.round(rtt * 1000) + " ms round trip, " : " (") +
            Math.round(loss * 100) + "% lost)";
        });
      }, STATS_EVERY_MS);
    }

    function getMedia() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        return Promise.resolve(null);
      }
      return navigator.mediaDevices
        .getUserMedia({ audio: true, video: true })
        .then(function (stream) {
          localStream = stream;
          localVideo.srcObject = stream;
          applyToggles();
          return stream;
        })
        .catch(function () {
          say("Your camera or microphone could not start: the other side will not see or hear you. See the device check's help.");
          return null;
        });
    }

    function stopMedia() {
      if (localStream) {
        localStream.getTracks().forEach(function (track) {
          track.stop();
        });
      }
      localStream = null;
      localVideo.srcObject = null;
    }

    function applyToggles() {
      if (!localStream) {
        return;
      }
      localStream.getAudioTracks().forEach(function (track) {
        track.enabled = !muted;
      });
      localStream.getVideoTracks().forEach(function (track) {
        track.enabled = !cameraOff;
      });
      muteButton.setAttribute("aria-pressed", String(muted));
      muteButton.textContent = muted ? "Unmute my microphone" : "Mute my microphone";
      cameraButton.setAttribute("aria-pressed", String(cameraOff));
      cameraButton.textContent = cameraOff ? "Turn my camera on" : "Turn my camera off";
    }

    function join() {
      peer = token();
      inCall = true;
      hangUpButton.hidden = false;
      rejoinButton.hidden = true;
      setState("new");
      return getMedia().then(function () {
        return send({ type: "join" }).then(function () {
          if (role === "clinician") {
            return offer(false);
          }
          startConnectTimer();
        });
      });
    }

    function leave() {
      inCall = false;
      window.clearTimeout(connectTimer);
      send({ type: "bye" });
      closePeer();
      stopMedia();
      setState("left");
      say("You left the call. You can rejoin while the visit is open.");
      hangUpButton.hidden = true;
      rejoinButton.hidden = false;
      rejoinButton.focus();
    }

    function end(message) {
      if (closed) {
        return;
      }
      closed = true;
      inCall = false;
      window.clearTimeout(connectTimer);
      closePeer();
      stopMedia();
      setState("closed");
      say(message || "This visit has ended.");
      [muteButton, cameraButton, hangUpButton, rejoinButton].forEach(function (button) {
        button.hidden = true;
      });
      if (fallback) {
        fallback.hidden = true;
      }
    }

    muteButton.addEventListener("click", function () {
      muted = !muted;
      applyToggles();
    });
    cameraButton.addEventListener("click", function () {
      cameraOff = !cameraOff;
      applyToggles();
    });
    hangUpButton.addEventListener("click", leave);
    rejoinButton.addEventListener("click", join);
    window.addEventListener("pagehide", function () {
      if (inCall && !closed) {
        fetch(url, {
          method: "POST",
          keepalive: true,
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, [BACKGROUND]: "1" },
          body: JSON.stringify({ type: "bye", peer: peer }),
        }).catch(function () {});
      }
    });

    join().then(poll, poll);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
