import WebSocket from 'ws';

/** A station on a raw WebSocket: sends text frames, collects every frame the platform sends. */
export class RawStation {
  readonly frames: unknown[][] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private listeners: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString()) as unknown[]);
      for (const listener of this.listeners) listener();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static async open(url: string, uid: string, password: string): Promise<RawStation> {
    const ws = new WebSocket(`${url}/ocpp/${uid}`, ['ocpp1.6'], {
      headers: { authorization: `Basic ${Buffer.from(`${uid}:${password}`).toString('base64')}` },
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new RawStation(ws);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first frame (sent or to come) whose id is the given one. */
  answer(id: string): Promise<unknown[]> {
    return new Promise((resolve) => {
      const check = () => {
        const frame = this.frames.find((candidate) => candidate[1] === id);
        if (!frame) return false;
        resolve(frame);
        return true;
      };
      if (check()) return;
      const listener = () => {
        if (check()) this.listeners = this.listeners.filter((l) => l !== listener);
      };
      this.listeners.push(listener);
    });
  }

  /** Sends a frame and resolves with the next frame the platform sends. */
  exchange(frame: unknown): Promise<unknown[]> {
    const count = this.frames.length;
    return new Promise((resolve) => {
      const listener = () => {
        if (this.frames.length <= count) return;
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(this.frames[count]!);
      };
      this.listeners.push(listener);
      this.send(frame);
    });
  }

  close(): void {
    this.ws.close();
  }
}
