"""A python-socketio client as the platforms' Python services write one: handlers that take
exactly (data, meta), reconnection on, and its own recovery with `since` on every `connected`.
Prints one JSON line per thing it sees."""
import json
import sys
import threading

import socketio

url, token = sys.argv[1], sys.argv[2]
sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
last = {}
# Handlers run on python-socketio's threads: one line per write.
lock = threading.Lock()


def say(**fields):
    with lock:
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()


@sio.on("connected")
def on_connected(info):
    say(kind="connected", info=info)
    if last:
        channels = [{"channel": channel, "since": since} for channel, since in last.items()]
    else:
        channels = ["trades"]
    sio.emit("subscribe", {"channels": channels}, callback=lambda reply: say(kind="subscribed", reply=reply))


@sio.on("trade:update")
def on_trade(data, meta):
    last[meta["channel"]] = {"offset": meta["offset"], "epoch": meta["epoch"]}
    say(kind="trade", data=data, offset=meta["offset"])


@sio.on("disconnect")
def on_disconnect():
    say(kind="disconnected")


sio.connect(url, auth={"token": token}, transports=["websocket"])
sys.stdin.read()
sio.disconnect()
