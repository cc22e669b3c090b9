// One attempt to bring a database's replica set and users to the state they should
// have, run by mongo-init.sh (mongosh --nodb) beside mongod in every member. Exits 0
// when this member is done, 1 when it should be tried again: any error is retried.
//
// Environment: POD_NAME (<statefulset>-<ordinal>), GOVERNING_SERVICE (the headless
// Service), REPLICA_SET, APP_DATABASE, APP_USER, APP_PASSWORD, ROOT_PASSWORD.
//
// - Member 0 initiates the set, naming itself by its stable DNS name, unless the set
//   is already initiated: here, or on another member (member 0 restarted with an empty
//   volume must not start a second set of the same name; it is still in the set's
//   configuration and the primary brings it back by itself).
// - Any other member asks the set (as root) to add it, unless it is a member already.
// - The primary creates the root user (through the localhost exception, while there
//   are no users at all) and the service's user, with readWrite on its own database
//   only, or resets that user's password and roles to the ones in the Secrets.

const env = process.env;
const PORT = 27017;
const ROOT_USER = "root";
// Error codes: https://www.mongodb.com/docs/manual/reference/error-codes/
const ALREADY_INITIALIZED = 23;
const AUTHENTICATION_FAILED = 18;

// Reasons to try again are thrown as errors, like the database's own; quit() is only
// called out here, since mongosh may implement it by throwing.
let outcome;
try {
  outcome = converge();
} catch (error) {
  outcome = error;
}
if (outcome === true) {
  print(`mongo-init: ${self()} is a member of ${env.REPLICA_SET}`);
  quit(0);
} else {
  print(`mongo-init: ${outcome.message}`);
  quit(1);
}

function converge() {
  const local = new Mongo(`mongodb://127.0.0.1:${PORT}/?directConnection=true`);
  const hello = run(local, { hello: 1 });
  if (!hello.setName) {
    if (ordinal() === 0) {
      initiate(local);
    } else {
      join();
    }
    // The member takes its configuration within seconds; look again next time.
    throw new Error(`${self()} is not in replica set ${env.REPLICA_SET} yet`);
  }
  if (hello.isWritablePrimary) {
    ensureUsers(local);
  } else if (!hello.secondary) {
    throw new Error(`${self()} is neither primary nor secondary yet`);
  }
  return true;
}

function podName() {
  const match = /^(.*)-(\d+)$/.exec(env.POD_NAME || "");
  if (!match) {
    throw new Error(`POD_NAME ${env.POD_NAME} is not <statefulset>-<ordinal>`);
  }
  return { statefulSet: match[1], ordinal: Number(match[2]) };
}

function ordinal() {
  return podName().ordinal;
}

function memberHost(i) {
  return `${podName().statefulSet}-${i}.${env.GOVERNING_SERVICE}:${PORT}`;
}

function self() {
  try {
    return memberHost(ordinal());
  } catch (error) {
    return `${env.POD_NAME}`;
  }
}

function initiate(local) {
  for (let other = 1; other <= 6; other++) {
    if (setNameOf(memberHost(other)) === env.REPLICA_SET) {
      throw new Error(
        `${memberHost(other)} already runs ${env.REPLICA_SET}; waiting to rejoin it`,
      );
    }
  }
  try {
    run(local, {
      replSetInitiate: { _id: env.REPLICA_SET, members: [{ _id: 0, host: self() }] },
    });
    print(`mongo-init: initiated ${env.REPLICA_SET} with ${self()}`);
  } catch (error) {
    if (error.code !== ALREADY_INITIALIZED) {
      throw error;
    }
  }
}

function join() {
  const seeds = [...Array(ordinal()).keys()].map(memberHost).join(",");
  const set = new Mongo(
    `mongodb://${ROOT_USER}:${encodeURIComponent(env.ROOT_PASSWORD)}@${seeds}/` +
      `?replicaSet=${env.REPLICA_SET}&authSource=admin`,
  );
  const config = run(set, { replSetGetConfig: 1 }).config;
  if (config.members.some((member) => member.host === self())) {
    return;
  }
  config.members.push({
    _id: Math.max(...config.members.map((member) => member._id)) + 1,
    host: self(),
  });
  config.version += 1;
  run(set, { replSetReconfig: config });
  print(`mongo-init: added ${self()} to ${env.REPLICA_SET}`);
}

function ensureUsers(local) {
  const admin = local.getDB("admin");
  if (!authenticate(admin)) {
    // Allowed only from localhost and only while the database has no user at all;
    // otherwise this fails, and ROOT_PASSWORD is not the root user's password.
    admin.createUser({ user: ROOT_USER, pwd: env.ROOT_PASSWORD, roles: ["root"] });
    print("mongo-init: created the root user");
    if (!authenticate(admin)) {
      throw new Error("the root user was created but its password is refused");
    }
  }
  const database = local.getDB(env.APP_DATABASE);
  const roles = [{ role: "readWrite", db: env.APP_DATABASE }];
  if (database.getUser(env.APP_USER)) {
    database.updateUser(env.APP_USER, { pwd: env.APP_PASSWORD, roles });
  } else {
    database.createUser({ user: env.APP_USER, pwd: env.APP_PASSWORD, roles });
    print(`mongo-init: created user ${env.APP_USER} (readWrite on ${env.APP_DATABASE})`);
  }
}

function authenticate(admin) {
  try {
    admin.auth(ROOT_USER, env.ROOT_PASSWORD);
    return true;
  } catch (error) {
    if (error.code === AUTHENTICATION_FAILED || /Authentication failed/.test(error.message)) {
      return false;
    }
    throw error;
  }
}

// The replica set another member runs, if it answers within two seconds.
function setNameOf(host) {
  try {
    const other = new Mongo(`mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=2000`);
    return run(other, { hello: 1 }).setName;
  } catch (error) {
    return undefined;
  }
}

// Runs an admin command; a reply with ok: 0 is an error with its code, whether or not
// this mongosh version throws for it.
function run(connection, command) {
  const reply = connection.getDB("admin").runCommand(command);
  if (reply.ok !== 1) {
    const error = new Error(`${Object.keys(command)[0]}: ${reply.errmsg}`);
    error.code = reply.code;
    throw error;
  }
  return reply;
}
