// Runs infra/k8s/base/mongo-converge.js (the path is the first argument) against a
// fake mongod, one scenario at a time, and checks what it asks of the database.
// Called by databases.rs: node mongo_converge_scenarios.js <mongo-converge.js>.

const assert = require("node:assert/strict");
const fs = require("node:fs");
const vm = require("node:vm");

const script = fs.readFileSync(process.argv[2], "utf8");
const host = (i) => `auth-mongo-${i}.auth-mongo-srv:27017`;
const LOCAL = "mongodb://127.0.0.1:27017/?directConnection=true";

class Exit {
  constructor(code) {
    this.code = code;
  }
}

// Objects made inside the script's context have that context's prototypes.
const plain = (value) => (value === undefined ? value : JSON.parse(JSON.stringify(value)));

function serverError(code, message) {
  return Object.assign(new Error(message), { code });
}

// A run of the script. `database(uri, db, command)` answers runCommand; `auth` and
// `users` stand for the users the database has.
function run({ pod = "auth-mongo-0", database, auth = () => true, users = {} }) {
  const calls = [];
  const printed = [];
  class Mongo {
    constructor(uri) {
      this.uri = uri;
      calls.push({ connect: uri });
    }
    getDB(db) {
      const uri = this.uri;
      return {
        runCommand(command) {
          calls.push({ uri, db, command: plain(command) });
          return database(uri, db, command);
        },
        auth(user, password) {
          calls.push({ uri, auth: user });
          if (!auth(user, password)) {
            throw serverError(18, "Authentication failed.");
          }
          return { ok: 1 };
        },
        createUser(user) {
          calls.push({ uri, db, createUser: plain(user) });
          if (users.refuseCreate) {
            throw serverError(13, "command createUser requires authentication");
          }
          users[`${db}.${user.user}`] = user;
          return { ok: 1 };
        },
        updateUser(user, update) {
          calls.push({ uri, db, updateUser: user, update: plain(update) });
          return { ok: 1 };
        },
        getUser(user) {
          return users[`${db}.${user}`] ?? null;
        },
      };
    }
  }
  const env = {
    POD_NAME: pod,
    GOVERNING_SERVICE: "auth-mongo-srv",
    REPLICA_SET: "rs0",
    APP_DATABASE: "auth",
    APP_USER: "auth",
    APP_PASSWORD: "app-password",
    ROOT_PASSWORD: "root-password",
  };
  let code;
  try {
    vm.runInNewContext(script, {
      Mongo,
      print: (message) => printed.push(message),
      quit: (status) => {
        throw new Exit(status);
      },
      process: { env },
      encodeURIComponent,
    });
  } catch (error) {
    if (!(error instanceof Exit)) {
      throw error;
    }
    code = error.code;
  }
  const commands = (name) => calls.filter((call) => call.command && name in call.command);
  return { code, calls, printed: printed.join("\n"), commands };
}

// mongod answers: `hello` as given per host, everything else by `reply`.
function mongod({ hello, reply = () => ({ ok: 1 }) }) {
  return (uri, db, command) => {
    if ("hello" in command) {
      const answer = hello(uri);
      if (answer instanceof Error) {
        throw answer;
      }
      return { ok: 1, ...answer };
    }
    return reply(command, uri);
  };
}

const uninitialised = { isWritablePrimary: false, secondary: false };
const unreachable = serverError(undefined, "getaddrinfo ENOTFOUND");
const othersUnreachable = (self) => (uri) => (uri === LOCAL ? self : unreachable);

const scenarios = {
  "member 0 of a new set initiates it under its stable DNS name and looks again"() {
    const result = run({ database: mongod({ hello: othersUnreachable(uninitialised) }) });
    const [initiate] = result.commands("replSetInitiate");
    assert.deepEqual(initiate.command.replSetInitiate, {
      _id: "rs0",
      members: [{ _id: 0, host: host(0) }],
    });
    assert.equal(initiate.uri, LOCAL);
    assert.equal(result.code, 1);
  },

  "already initialized counts as done"() {
    const result = run({
      database: mongod({
        hello: othersUnreachable(uninitialised),
        reply: () => ({ ok: 0, code: 23, codeName: "AlreadyInitialized", errmsg: "already initialized" }),
      }),
    });
    assert.equal(result.code, 1);
    assert.match(result.printed, /is not in replica set rs0 yet/);
    assert.doesNotMatch(result.printed, /already initialized/);
  },

  "any other failure to initiate is reported and retried"() {
    const result = run({
      database: mongod({
        hello: othersUnreachable(uninitialised),
        reply: () => ({ ok: 0, code: 93, errmsg: "No host described in new configuration" }),
      }),
    });
    assert.equal(result.code, 1);
    assert.match(result.printed, /No host described/);
  },

  "a thrown server error is retried the same way"() {
    const result = run({
      database: mongod({
        hello: othersUnreachable(uninitialised),
        reply: () => {
          throw serverError(6, "HostUnreachable");
        },
      }),
    });
    assert.equal(result.code, 1);
    assert.match(result.printed, /HostUnreachable/);
  },

  "member 0 with an empty volume starts no second set beside a running one"() {
    const result = run({
      database: mongod({
        hello: (uri) =>
          uri === LOCAL ? uninitialised : uri.includes(host(1)) ? { setName: "rs0", secondary: true } : unreachable,
      }),
    });
    assert.equal(result.commands("replSetInitiate").length, 0);
    assert.equal(result.code, 1);
  },

  "a later member asks the set to add it"() {
    const result = run({
      pod: "auth-mongo-2",
      database: mongod({
        hello: othersUnreachable(uninitialised),
        reply: (command) =>
          "replSetGetConfig" in command
            ? {
                ok: 1,
                config: { _id: "rs0", version: 3, members: [{ _id: 0, host: host(0) }, { _id: 1, host: host(1) }] },
              }
            : { ok: 1 },
      }),
    });
    const [reconfig] = result.commands("replSetReconfig");
    assert.ok(reconfig, "no replSetReconfig");
    assert.equal(reconfig.command.replSetReconfig.version, 4);
    assert.deepEqual(reconfig.command.replSetReconfig.members.at(-1), { _id: 2, host: host(2) });
    assert.match(reconfig.uri, new RegExp(`@${host(0)},${host(1)}/\\?replicaSet=rs0&authSource=admin$`));
    assert.match(reconfig.uri, /^mongodb:\/\/root:root-password@/);
    assert.equal(result.commands("replSetInitiate").length, 0);
    assert.equal(result.code, 1);
  },

  "a member already in the configuration waits to be brought back"() {
    const result = run({
      pod: "auth-mongo-1",
      database: mongod({
        hello: othersUnreachable(uninitialised),
        reply: () => ({ ok: 1, config: { version: 2, members: [{ _id: 0, host: host(0) }, { _id: 1, host: host(1) }] } }),
      }),
    });
    assert.equal(result.commands("replSetReconfig").length, 0);
    assert.equal(result.code, 1);
  },

  "a new primary creates root through the localhost exception, then the service's user"() {
    let rootExists = false;
    const users = {};
    const result = run({
      database: mongod({ hello: () => ({ setName: "rs0", isWritablePrimary: true }) }),
      auth: (user, password) => rootExists && user === "root" && password === "root-password",
      users: new Proxy(users, {
        set(target, key, value) {
          target[key] = value;
          rootExists ||= key === "admin.root";
          return true;
        },
      }),
    });
    const created = result.calls.filter((call) => call.createUser);
    assert.deepEqual(
      created.map(({ db, createUser }) => [db, createUser]),
      [
        ["admin", { user: "root", pwd: "root-password", roles: ["root"] }],
        ["auth", { user: "auth", pwd: "app-password", roles: [{ role: "readWrite", db: "auth" }] }],
      ],
    );
    assert.ok(created.every((call) => call.uri === LOCAL), "users are created over localhost");
    assert.equal(result.code, 0);
  },

  "a primary with users resets the service user's password and roles"() {
    const result = run({
      database: mongod({ hello: () => ({ setName: "rs0", isWritablePrimary: true }) }),
      users: { "auth.auth": { user: "auth" } },
    });
    assert.equal(result.calls.filter((call) => call.createUser).length, 0);
    const [update] = result.calls.filter((call) => call.updateUser);
    assert.deepEqual([update.db, update.updateUser, update.update], [
      "auth",
      "auth",
      { pwd: "app-password", roles: [{ role: "readWrite", db: "auth" }] },
    ]);
    assert.equal(result.code, 0);
  },

  "a refused root password is reported and retried"() {
    const result = run({
      database: mongod({ hello: () => ({ setName: "rs0", isWritablePrimary: true }) }),
      auth: () => false,
      users: { refuseCreate: true },
    });
    assert.equal(result.code, 1);
    assert.match(result.printed, /requires authentication/);
  },

  "a secondary is done and leaves the users to the primary"() {
    const result = run({ database: mongod({ hello: () => ({ setName: "rs0", secondary: true }) }) });
    assert.equal(result.calls.filter((call) => call.auth || call.createUser || call.updateUser).length, 0);
    assert.equal(result.code, 0);
  },

  "a member that is neither primary nor secondary looks again"() {
    const result = run({ database: mongod({ hello: () => ({ setName: "rs0" }) }) });
    assert.equal(result.code, 1);
  },

  "mongod not answering yet is retried"() {
    const result = run({ database: mongod({ hello: () => serverError(undefined, "connect ECONNREFUSED") }) });
    assert.equal(result.code, 1);
    assert.match(result.printed, /ECONNREFUSED/);
  },
};

let passed = 0;
for (const [name, scenario] of Object.entries(scenarios)) {
  try {
    scenario();
    passed += 1;
    console.log(`ok: ${name}`);
  } catch (error) {
    console.log(`FAILED: ${name}\n${error.stack}`);
    process.exit(1);
  }
}
console.log(`${passed} scenarios passed`);
