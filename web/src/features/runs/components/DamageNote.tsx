// DamageNote.tsx - the warning a run of a damaged video carries: how many
// frames the model never saw or saw patched over, in plain words, and the
// decoder's own message for whoever looks into the file.
import type { RunDamage } from '../api/types';
import { formatNumber } from '../../../lib/format';

const frames = (n: number) => `${formatNumber(n)} ${n === 1 ? 'frame' : 'frames'}`;

export function DamageNote({ damage }: { damage: RunDamage }) {
  const parts = [];
  if (damage.frames_lost > 0) parts.push(`${frames(damage.frames_lost)} could not be decoded and were skipped`);
  if (damage.frames_concealed > 0) parts.push(`${frames(damage.frames_concealed)} ${damage.frames_concealed === 1 ? 'was' : 'were'} decoded with errors patched over`);
  return (
    <p className="note note-warn" role="note" data-testid="run-damage">
      <strong>The video is damaged.</strong>{' '}
      {parts.length ? `${parts.join(', and ')}: ` : 'Part of it could not be read: '}
      the numbers cover only what was decoded. <span className="muted">Decoder: {damage.message}</span>
    </p>
  );
}
