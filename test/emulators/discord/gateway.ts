import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';
import { guildCreateJson } from './guild.js';
import { newSessionId, readyJson } from './payloads.js';
import { readShardPair, shardForDispatch, shardForGuild, type ShardPair } from './sharding.js';
import type { World } from './state.js';

const HEARTBEAT_INTERVAL = 41_250; // what Discord sends in HELLO
const Intents = { Guilds: 1 << 0, GuildMembers: 1 << 1, GuildMessages: 1 << 9, GuildMessageReactions: 1 << 10, MessageContent: 1 << 15 };

/** Which intent a dispatch needs; undefined = always sent (READY, INTERACTION_CREATE, ...). */
function requiredIntent(t: string): number | undefined {
  // Member events are privileged (GUILD_MEMBERS); the Guilds intent does not carry them.
  if (t.startsWith('GUILD_MEMBER_')) return Intents.GuildMembers;
  if (t.startsWith('THREAD_') || t.startsWith('CHANNEL_') || t.startsWith('GUILD_')) return Intents.Guilds;
  if (t.startsWith('MESSAGE_REACTION_')) return Intents.GuildMessageReactions;
  if (t.startsWith('MESSAGE_')) return Intents.GuildMessages;
  return undefined;
}

interface Session {
  id: string;
  seq: number;
  intents: number;
  /** [shard_id, num_shards] from IDENTIFY: this session receives only its shard's guilds. */
  shard: ShardPair;
  /** Everything dispatched in this session, replayed on RESUME after the client's last seq. */
  sent: { s: number; t: string; d: unknown }[];
  socket?: WebSocket;
}

export class Gateway extends EventEmitter {
  readonly wss = new WebSocketServer({ noServer: true });
  readonly sessions = new Map<string, Session>();
  private readonly serverClosed = new WeakSet<WebSocket>();
  identifies = 0;

  constructor(
    private readonly world: World,
    private readonly url: () => string,
  ) {
    super();
    world.on('dispatch', (t: string, d: unknown) => {
      for (const session of this.sessions.values()) {
        const [shardId, shardCount] = session.shard;
        if (shardForDispatch(t, d, shardCount) === shardId) this.dispatchTo(session, t, d);
      }
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const query = new URL(req.url ?? '/', 'ws://x').searchParams;
    if (query.has('v') && query.get('v') !== '10') return ws.close(4012, 'Invalid API version');
    if (query.has('encoding') && query.get('encoding') !== 'json') return ws.close(4002, 'Error while decoding payload.');
    let session: Session | undefined;
    ws.send(JSON.stringify({ op: 10, s: null, t: null, d: { heartbeat_interval: HEARTBEAT_INTERVAL, _trace: ['["emulator-gateway",{}]'] } }));
    ws.on('message', (raw, isBinary) => {
      let payload: { op?: number; d?: Record<string, unknown> | number | null };
      try {
        payload = JSON.parse(isBinary ? Buffer.from(raw as Buffer).toString('utf8') : raw.toString());
      } catch {
        return this.serverClose(ws, 4002, 'Error while decoding payload.');
      }
      const d = (payload.d ?? {}) as Record<string, unknown>;
      switch (payload.op) {
        case 1: // Heartbeat: must be ACKed or the client considers the connection zombied.
          return ws.send(JSON.stringify({ op: 11 }));
        case 2: {
          if (session) return this.serverClose(ws, 4005, 'Already authenticated.');
          if (d.token !== this.world.token) return this.serverClose(ws, 4004, 'Authentication failed.');
          if (typeof d.intents !== 'number') return this.serverClose(ws, 4013, 'Invalid intent(s).');
          const shard = readShardPair(d.shard);
          if (!shard) return this.serverClose(ws, 4010, 'Invalid shard.');
          session = { id: newSessionId(), seq: 0, intents: d.intents, shard, sent: [], socket: ws };
          this.sessions.set(session.id, session);
          const ownedGuilds = [...this.world.guilds.keys()].filter((guildId) => shardForGuild(guildId, shard[1]) === shard[0]);
          this.dispatchTo(session, 'READY', readyJson(this.world, session.id, this.url(), shard, ownedGuilds));
          // Each guild arrives right after READY (listed as unavailable there), on its own shard only.
          for (const guildId of ownedGuilds) this.dispatchTo(session, 'GUILD_CREATE', guildCreateJson(this.world, guildId));
          this.identifies++;
          this.emit('identify', shard);
          return;
        }
        case 6: {
          const old = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
          if (d.token !== this.world.token) return this.serverClose(ws, 4004, 'Authentication failed.');
          if (!old || typeof d.seq !== 'number' || d.seq > old.seq) {
            // Not resumable: the client must identify afresh.
            return ws.send(JSON.stringify({ op: 9, s: null, t: null, d: false }));
          }
          if (old.socket && old.socket !== ws) this.serverClose(old.socket, 4000, 'Session resumed elsewhere');
          old.socket = ws;
          session = old;
          for (const event of old.sent.filter((e) => e.s > (d.seq as number))) {
            ws.send(JSON.stringify({ op: 0, ...event }));
          }
          this.dispatchTo(old, 'RESUMED', { _trace: ['["emulator-gateway",{}]'] });
          return;
        }
        case 3: // presence update
        case 4: // voice state update
        case 8: // request guild members
          if (!session) return this.serverClose(ws, 4003, 'Not authenticated.');
          return;
        default:
          if (!session) return this.serverClose(ws, 4003, 'Not authenticated.');
          return this.serverClose(ws, 4001, 'Unknown opcode.');
      }
    });
    ws.on('close', (code) => {
      if (!session || session.socket !== ws) return;
      session.socket = undefined;
      // A client closing with 1000/1001 ends its session; other codes (4200 etc.) keep it resumable.
      if (!this.serverClosed.has(ws) && (code === 1000 || code === 1001)) this.sessions.delete(session.id);
    });
    ws.on('error', () => {});
  }

  private dispatchTo(session: Session, t: string, d: unknown): void {
    const needed = requiredIntent(t);
    if (needed !== undefined && (session.intents & needed) === 0) return;
    const data = this.applyContentIntent(session, t, d);
    const event = { s: ++session.seq, t, d: data };
    session.sent.push(event);
    if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(JSON.stringify({ op: 0, ...event }));
  }

  /**
   * Without MESSAGE_CONTENT, guild messages arrive with empty content/embeds/attachments/components
   * unless the bot is the author or is mentioned.
   */
  private applyContentIntent(session: Session, t: string, d: unknown): unknown {
    if ((t !== 'MESSAGE_CREATE' && t !== 'MESSAGE_UPDATE') || (session.intents & Intents.MessageContent) !== 0) return d;
    const message = d as { author?: { id: string }; mentions?: { id: string }[] };
    const botId = this.world.botUser.id;
    if (message.author?.id === botId || message.mentions?.some((u) => u.id === botId)) return d;
    const { poll: _poll, ...rest } = d as Record<string, unknown>;
    return { ...rest, content: '', embeds: [], attachments: [], components: [] };
  }

  private serverClose(ws: WebSocket, code: number, reason: string): void {
    this.serverClosed.add(ws);
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
  }

  /** Each session's shard and every event dispatched to it, oldest session first. */
  shardSessions(): { shard: ShardPair; events: { t: string; d: unknown }[] }[] {
    return [...this.sessions.values()].map((session) => ({ shard: session.shard, events: session.sent.map(({ t, d }) => ({ t, d })) }));
  }

  /** Drops every socket. Default 4000 (Unknown error): discord.js will RESUME the session. */
  disconnectAll(code = 4000): void {
    for (const ws of this.wss.clients) this.serverClose(ws, code, 'Emulator disconnect');
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
