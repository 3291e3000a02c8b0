import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen } from '@testing-library/react';
import { UploadDropzone } from './UploadDropzone';
import { renderAt } from '../../../test/render';

// Only the network boundary is replaced: an XMLHttpRequest that the test answers.
const sent: { url: string; answer: (status: number, body: unknown) => void; progress: (n: number, of: number) => void }[] = [];
class Xhr {
  upload = { onprogress: null as null | ((e: object) => void) };
  onload: null | (() => void) = null;
  onabort: null | (() => void) = null;
  status = 0;
  responseText = '';
  url = '';
  open(_m: string, u: string) {
    this.url = u;
  }
  setRequestHeader() {}
  send() {
    sent.push({
      url: this.url,
      answer: (status, body) => {
        this.status = status;
        this.responseText = JSON.stringify(body);
        this.onload?.();
      },
      progress: (n, of) => this.upload.onprogress?.({ loaded: n, total: of, lengthComputable: true }),
    });
  }
  abort() {
    this.onabort?.();
  }
}

beforeEach(() => {
  sent.length = 0;
  vi.stubGlobal('XMLHttpRequest', Xhr);
});
afterEach(() => vi.unstubAllGlobals());

const mp4 = (name: string) => new File([new Uint8Array(100)], name, { type: 'video/mp4' });

describe('UploadDropzone', () => {
  it('uploads every dropped file with its own progress bar, cancel button and error', async () => {
    renderAt(<UploadDropzone projectId={4} />);
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [mp4('a.mp4'), mp4('b.mp4')] } });
    expect(sent.map((s) => s.url)).toEqual(['/api/projects/4/videos?filename=a.mp4', '/api/projects/4/videos?filename=b.mp4']);
    act(() => sent[0].progress(50, 100));
    expect(screen.getByRole('progressbar', { name: 'Upload of a.mp4' })).toHaveAttribute('aria-valuenow', '50');
    expect(screen.getByRole('button', { name: 'Cancel upload of b.mp4' })).toBeInTheDocument();
    await act(async () => sent[1].answer(415, { error: { code: 'unsupported_media_type', message: 'b.mp4 has no video stream' } }));
    expect(screen.getByRole('alert')).toHaveTextContent(/^b\.mp4 was not uploaded: it is not a video the server can read \(b\.mp4 has no video stream\)/);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel upload of a.mp4' }));
    expect(await screen.findByText('Cancelled')).toBeInTheDocument();
  });
});
