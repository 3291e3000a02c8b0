#!/usr/bin/env bash
# Puts the default model and a demo video in data/ (git-ignored).
# The model comes from ../shared/models/ (the offline mirror on these
# machines) or, failing that, from the official YOLOX release; either way it
# is checked by loading it with `avp models inspect`.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data/models
model=data/models/yolox_nano.onnx
shared=../shared/models/yolox_nano.onnx
if [ ! -s "$model" ]; then
  if [ -s "$shared" ]; then
    cp "$shared" "$model.tmp"
  else
    echo "assets: downloading yolox_nano.onnx (YOLOX release 0.1.1rc0)"
    curl -fsSL -o "$model.tmp" \
      https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/yolox_nano.onnx
  fi
  build/src/cli/avp models inspect "$model.tmp" >/dev/null || {
    rm -f "$model.tmp"; echo "assets: the model does not load" >&2; exit 1; }
  mv "$model.tmp" "$model"
fi

# A demo clip from Debian's darknet photos: 4 photos, 2 s each, slow zoom.
demo=data/demo.mp4
if [ ! -s "$demo" ]; then
  photos=/usr/share/darknet/data
  inputs=() filters="" i=0
  for p in person dog horses giraffe; do
    inputs+=(-loop 1 -framerate 30 -t 2 -i "$photos/$p.jpg")
    filters+="[$i:v]scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,zoompan=z='1+0.002*on':d=1:s=1280x720:fps=30,setsar=1,trim=duration=2,setpts=PTS-STARTPTS[v$i];"
    i=$((i + 1))
  done
  ffmpeg -loglevel error -y "${inputs[@]}" \
    -filter_complex "${filters}[v0][v1][v2][v3]concat=n=4:v=1[out]" -map "[out]" \
    -c:v libx264 -pix_fmt yuv420p -r 30 "$demo.tmp.mp4"
  mv "$demo.tmp.mp4" "$demo"
fi
