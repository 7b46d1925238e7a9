import { overwriteCommands } from './commands.js';
import { errors } from './errors.js';
import { guildChannels, guildCreateJson, guildThreads } from './guild.js';
import { memberJson } from './payloads.js';
import { roleJson, rolesOf } from './roles.js';
import { ok, route, type RestContext, type Route } from './router.js';

function checkApp(ctx: RestContext): void {
  if (ctx.params.app !== ctx.world.applicationId) throw errors.unknownApplication();
}

/** The guild named in the path, if the bot is in it (Discord answers 10004 Unknown Guild otherwise). */
function knownGuild(ctx: RestContext): string {
  const guildId = ctx.params.guild!;
  if (!ctx.world.guilds.has(guildId)) throw errors.unknownGuild();
  return guildId;
}

function applicationJson(ctx: RestContext) {
  const { world } = ctx;
  return {
    id: world.applicationId,
    name: world.botUser.username,
    icon: null,
    description: 'Emulated application',
    summary: '',
    type: null,
    bot_public: false,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    hook: true,
    is_monetized: false,
    team: null,
    owner: world.alice,
    bot: world.botUser,
    approximate_guild_count: world.guilds.size,
    integration_types_config: { '0': {} },
    redirect_uris: [],
    interactions_endpoint_url: null,
    tags: [],
  };
}

export const appRoutes: Route[] = [
  route('GET', '/gateway', (ctx) => ok({ url: ctx.gatewayUrl }), false),
  route('GET', '/gateway/bot', (ctx) =>
    ok({
      url: ctx.gatewayUrl,
      shards: ctx.world.config.recommendedShards,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: ctx.world.config.maxConcurrency },
    }),
  ),
  route('GET', '/users/@me', (ctx) => ok({ ...ctx.world.botUser, verified: true, mfa_enabled: false, locale: 'en-US', email: null })),
  route('GET', '/users/:user', (ctx) => {
    const user = ctx.world.users.get(ctx.params.user!);
    if (!user) throw errors.unknownUser();
    return ok(user);
  }),
  route('GET', '/applications/@me', (ctx) => ok(applicationJson(ctx))),
  route('GET', '/oauth2/applications/@me', (ctx) => ok(applicationJson(ctx))),
  route('GET', '/applications/:app/commands', (ctx) => {
    checkApp(ctx);
    return ok(ctx.world.commands.get('global') ?? []);
  }),
  route('PUT', '/applications/:app/commands', (ctx) => {
    checkApp(ctx);
    return ok(overwriteCommands(ctx.world, 'global', ctx.body.json));
  }),
  route('GET', '/applications/:app/guilds/:guild/commands', (ctx) => {
    checkApp(ctx);
    return ok(ctx.world.commands.get(knownGuild(ctx)) ?? []);
  }),
  route('PUT', '/applications/:app/guilds/:guild/commands', (ctx) => {
    checkApp(ctx);
    // Guild commands are per guild: each guild keeps its own list.
    return ok(overwriteCommands(ctx.world, knownGuild(ctx), ctx.body.json));
  }),
  route('GET', '/guilds/:guild', (ctx) => {
    const { channels: _c, threads: _t, members: _m, presences: _p, voice_states: _v, ...guild } = guildCreateJson(ctx.world, knownGuild(ctx));
    return ok(guild);
  }),
  route('GET', '/guilds/:guild/channels', (ctx) => {
    return ok(guildChannels(ctx.world, knownGuild(ctx)));
  }),
  route('GET', '/guilds/:guild/threads/active', (ctx) => {
    return ok({ threads: guildThreads(ctx.world, knownGuild(ctx)), members: [] });
  }),
  route('GET', '/guilds/:guild/members/:user', (ctx) => {
    const guildId = knownGuild(ctx);
    const user = ctx.world.users.get(ctx.params.user!);
    if (!user || !ctx.world.isMember(guildId, user.id)) throw errors.unknownMember();
    return ok(memberJson(ctx.world, guildId, user));
  }),
  route('GET', '/guilds/:guild/roles', (ctx) => {
    return ok(rolesOf(ctx.world, knownGuild(ctx)).map(roleJson));
  }),
];
