// A fediverse account, bob, made with Fedify (https://fedify.dev): the follower the tests put in
// front of the timeline's actor (tests/fediverse/test_fedify.py). It looks the timeline up by
// WebFinger, follows it, and prints one JSON line for each thing that happens: what it found,
// each activity its inbox takes (Fedify checks every HTTP Signature before it gets here), and
// what an impostor's Follow was answered. It reads commands, one a line, on standard input.
//
//   node follower.mjs <port to listen on> <the timeline's actor URL>
import http from "node:http";
import readline from "node:readline";
import {
  Accept, Create, Delete, Endpoints, Follow, MemoryKvStore, Person, Update,
  createFederation, generateCryptoKeyPair, lookupWebFinger, signRequest,
} from "@fedify/fedify";

const [port, target] = process.argv.slice(2);
const origin = `http://127.0.0.1:${port}`;
const say = (what) => process.stdout.write(JSON.stringify(what) + "\n");

// RSA, which the timeline (like Mastodon) verifies: draft-cavage HTTP Signatures.
const keys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const federation = createFederation({ kv: new MemoryKvStore(), allowPrivateAddress: true });

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== "bob") return null;
    const [pair] = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Bob",
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: pair.cryptographicKey,
    });
  })
  .setKeyPairsDispatcher(async (ctx, identifier) => (identifier === "bob" ? [keys] : []));

const seen = (kind) => async (ctx, activity) => {
  const object = await activity.getObject();
  say({
    event: kind,
    id: activity.id?.href,
    actor: activity.actorId?.href,
    object: object?.id?.href ?? null,
    objectType: object?.constructor?.name ?? null,
    content: object?.content?.toString() ?? null,
  });
};
federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Accept, seen("Accept"))
  .on(Create, seen("Create"))
  .on(Update, seen("Update"))
  .on(Delete, seen("Delete"));

const server = http.createServer(async (incoming, outgoing) => {
  const chunks = [];
  for await (const chunk of incoming) chunks.push(chunk);
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  const request = new Request(origin + incoming.url, {
    method: incoming.method,
    headers: Object.entries(incoming.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]),
    body: incoming.method === "GET" || incoming.method === "HEAD" ? undefined : body,
  });
  const response = await federation.fetch(request, { contextData: undefined });
  outgoing.writeHead(response.status, Object.fromEntries(response.headers));
  outgoing.end(Buffer.from(await response.arrayBuffer()));
});
server.listen(Number(port), "127.0.0.1", () => say({ event: "listening" }));

const ctx = federation.createContext(new URL(origin), undefined);
const follow = () =>
  new Follow({
    id: new URL(`${origin}/follows/${Date.now()}`),
    actor: ctx.getActorUri("bob"),
    object: new URL(target),
  });

const commands = readline.createInterface({ input: process.stdin });
for await (const command of commands) {
  try {
    if (command === "lookup") {
      // By WebFinger, as a server looks an account up (over http here: Fedify asks https://
      // for an acct: name, so the lookup is by the actor's address, which WebFinger resolves).
      const found = await lookupWebFinger(target, { allowPrivateAddress: true });
      const actor = await ctx.lookupObject(target);
      say({
        event: "found",
        subject: found?.subject ?? null,
        self: found?.links?.find((link) => link.rel === "self")?.href ?? null,
        type: actor?.constructor?.name ?? null,
        name: actor?.name?.toString() ?? null,
        inbox: actor?.inboxId?.href ?? null,
      });
    } else if (command === "follow") {
      const actor = await ctx.lookupObject(target);
      await ctx.sendActivity({ identifier: "bob" }, actor, follow());
      say({ event: "followed" });
    } else if (command === "impostor") {
      // A Follow signed with a key that is not the one bob's actor document gives.
      const other = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
      const actor = await ctx.lookupObject(target);
      const activity = await follow().toJsonLd({ format: "compact" });
      const request = new Request(actor.inboxId.href, {
        method: "POST",
        headers: { "Content-Type": "application/activity+json" },
        body: JSON.stringify(activity),
      });
      const signed = await signRequest(request, other.privateKey, new URL(`${origin}/users/bob#main-key`));
      const answer = await fetch(signed);
      say({ event: "impostor", status: answer.status });
    } else if (command === "quit") {
      server.close();
      process.exit(0);
    }
  } catch (error) {
    say({ event: "error", command, error: String(error?.stack ?? error) });
  }
}
