"""The hands-free conversation: a microphone streamed in, turns found by voice activity, words recognised
while they are spoken, replies spoken back and cut short when the user talks over them."""
