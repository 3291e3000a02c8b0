#!/bin/bash
# make_clip.sh OUT.mp4 WIDTH HEIGHT [SECONDS] - an H.264 30 fps clip of the
# photos Debian's darknet package installs, each shown for an equal share
# of SECONDS (default 10) with a slow zoom towards its centre, so boxes
# move from frame to frame. Photos are cropped to 16:9, not stretched.
set -euo pipefail
out=$1 w=$2 h=$3 secs=${4:-10}
photos=(person dog horses giraffe eagle kite)
n=${#photos[@]}
per=$(( secs * 30 / n ))
inputs=() chains="" labels=""
for i in "${!photos[@]}"; do
    inputs+=(-i "/usr/share/darknet/data/${photos[$i]}.jpg")
    # Upscale 2x before zoompan so its integer crop steps do not jitter.
    chains+="[$i:v]scale=$((2 * w)):$((2 * h)):force_original_aspect_ratio=increase,"
    chains+="crop=$((2 * w)):$((2 * h)),setsar=1,"
    chains+="zoompan=z='1+0.2*on/$per':d=$per:x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'"
    chains+=":s=${w}x${h}:fps=30[v$i];"
    labels+="[v$i]"
done
ffmpeg -v error -y "${inputs[@]}" -filter_complex "${chains}${labels}concat=n=$n:v=1:a=0,format=yuv420p[out]" \
    -map '[out]' -c:v libx264 -preset veryfast -crf 20 -g 60 -r 30 "$out"
