import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 5581:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   x: () => (/* binding */ cli)
/* harmony export */ });
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(7975);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_util__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(3916);
/* harmony import */ var _inputs_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(4793);
/* harmony import */ var _log_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(5625);
/* harmony import */ var _publish_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(9709);
/* harmony import */ var _report_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(665);
/* harmony import */ var _secrets_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(7194);







const USAGE = `Usage: publish-nix-artifact --repository URL [options] FLAKE#ATTRIBUTE...

Builds each flake attribute, exports its store path as a plain NAR and commits it to the
repository in one commit, pushed over HTTPS. Prints the outputs as JSON on stdout.

Options (same meaning as the action's inputs):
  --repository URL         https URL of the target repository (required)
  --branch NAME            target branch (default: the remote's default branch)
  --path DIR               directory inside the repository (default: nix)
  --commit-message TEXT    commit message template
  --git-user-name NAME     commit author name
  --git-user-email EMAIL   commit author email
  --nix-build-args ARGS    extra arguments for nix build
  --format LIST            nar, closure, binary-cache (comma-separated; default: nar)
  --compression NAME       none, xz or zstd for the binary cache (default: xz)
  --max-file-size SIZE     refuse files larger than this (default: 100M)
  --stall-timeout TIME     abandon and retry a request that moves no data this long (default: 60s)
  --network-timeout TIME   end each network operation, retries included, by then (default: 30m)
  --dry-run                build and export, push nothing
  --verbose                debug output
  -h, --help               this text

The token is read from the environment, never from an argument:
  PUBLISH_NIX_ARTIFACT_TOKEN, or else GITHUB_TOKEN; the binary cache's signing key likewise
  from PUBLISH_NIX_ARTIFACT_SIGNING_KEY.
`;
const OPTIONS = [
    'repository',
    'branch',
    'path',
    'commit-message',
    'git-user-name',
    'git-user-email',
    'nix-build-args',
    'format',
    'compression',
    'max-file-size',
    'stall-timeout',
    'network-timeout'
];
/** The command-line entry point; returns the exit code. */
async function cli(argv = process.argv.slice(2)) {
    const token = process.env.PUBLISH_NIX_ARTIFACT_TOKEN || process.env.GITHUB_TOKEN || '';
    const log = (0,_log_js__WEBPACK_IMPORTED_MODULE_5__/* .consoleLogger */ .kS)(argv.includes('--verbose'));
    for (const secret of (0,_secrets_js__WEBPACK_IMPORTED_MODULE_6__/* .secretForms */ .eo)(token, process.env.PUBLISH_NIX_ARTIFACT_SIGNING_KEY ?? '')) {
        log.setSecret(secret);
    }
    try {
        if (argv.some(arg => arg === '--token' || arg.startsWith('--token='))) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .UserError */ .yo('The token is not accepted as an argument (other users can read process arguments). Set PUBLISH_NIX_ARTIFACT_TOKEN in the environment instead.');
        }
        const { values, positionals } = (0,node_util__WEBPACK_IMPORTED_MODULE_0__.parseArgs)({
            args: argv,
            allowPositionals: true,
            options: {
                ...Object.fromEntries(OPTIONS.map(name => [name, { type: 'string' }])),
                'dry-run': { type: 'boolean' },
                verbose: { type: 'boolean' },
                help: { type: 'boolean', short: 'h' }
            }
        });
        if (values.help) {
            process.stdout.write(USAGE);
            return 0;
        }
        const input = name => {
            if (name === 'token')
                return token;
            if (name === 'signing-key')
                return process.env.PUBLISH_NIX_ARTIFACT_SIGNING_KEY ?? '';
            if (name === 'flake-attribute')
                return positionals.join('\n');
            if (name === 'dry-run')
                return values['dry-run'] ? 'true' : 'false';
            const value = values[name];
            return typeof value === 'string' ? value : '';
        };
        const config = (0,_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readConfig */ .Xg)(input, process.env);
        // Child processes (nix, the builders it starts, git) never inherit the token variable.
        delete process.env.PUBLISH_NIX_ARTIFACT_TOKEN;
        delete process.env.PUBLISH_NIX_ARTIFACT_SIGNING_KEY;
        if (token && token === process.env.GITHUB_TOKEN)
            delete process.env.GITHUB_TOKEN;
        const result = await (0,_publish_js__WEBPACK_IMPORTED_MODULE_3__/* .publish */ .m)(config, log);
        process.stdout.write(`${JSON.stringify((0,_report_js__WEBPACK_IMPORTED_MODULE_4__/* .outputs */ .V)(result), null, 2)}\n`);
        return 0;
    }
    catch (error) {
        const message = log.redact((0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(error));
        const usage = error instanceof TypeError && /Unknown option|argument/.test(message);
        process.stderr.write(`error: ${message}\n${usage ? `\n${USAGE}` : ''}`);
        return usage ? 2 : 1;
    }
}


/***/ }),

/***/ 3916:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   CL: () => (/* binding */ RaceError),
/* harmony export */   MU: () => (/* binding */ TimeoutError),
/* harmony export */   N_: () => (/* binding */ TransientError),
/* harmony export */   gJ: () => (/* binding */ errorMessage),
/* harmony export */   yo: () => (/* binding */ UserError)
/* harmony export */ });
/**
 * An error whose message is written for the person running the action: it says what happened and
 * what to do. The entry points print it as one `::error::` line; anything else is a bug and is
 * reported with its stack in the debug log.
 */
class UserError extends Error {
    constructor(message) {
        super(message);
        this.name = 'UserError';
    }
}
/** A failure that may go away on its own (HTTP 5xx, connection reset): retried with back-off. */
class TransientError extends UserError {
    constructor(message) {
        super(message);
        this.name = 'TransientError';
    }
}
/** The branch moved under us while pushing: fetch the new tip, re-apply, push again. */
class RaceError extends UserError {
    constructor(message) {
        super(message);
        this.name = 'RaceError';
    }
}
/** A network operation ran out of the time 'network-timeout' allows it: not retried. */
class TimeoutError extends UserError {
    constructor(message) {
        super(message);
        this.name = 'TimeoutError';
    }
}
function errorMessage(error) {
    return error instanceof Error ? error.message : String(error);
}


/***/ }),

/***/ 5768:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   _K: () => (/* binding */ gitEnvironment),
/* harmony export */   eT: () => (/* binding */ authHeader),
/* harmony export */   py: () => (/* binding */ tokenForms)
/* harmony export */ });
/**
 * How git authenticates, in one place: the Basic header the token becomes, every form in which
 * the token could show up (for masking), and the environment of the git processes. The token is
 * only ever in that environment, scoped to the remote's origin: never in an argument, never in a
 * file, and never sent anywhere a redirect points (redirects are not followed).
 */
const USER = 'x-access-token';
/** `Authorization: Basic …` for the token, or '' without one. */
function authHeader(token) {
    return token ? `Authorization: Basic ${base64(`${USER}:${token}`)}` : '';
}
/** Every form in which the token could appear: raw, and the Basic-auth header values. */
function tokenForms(token) {
    if (!token)
        return [];
    return [token, base64(`${USER}:${token}`), base64(`${token}:`), base64(`:${token}`)];
}
function base64(text) {
    return Buffer.from(text).toString('base64');
}
/**
 * The environment of every git call: no prompts, no machine credentials, no hooks, no inherited
 * GIT_* settings, paths never read as pathspecs. For calls that talk to the remote (`network`),
 * also: redirects refused, stalls bounded, and the header scoped to the remote's origin.
 */
function gitEnvironment(e, network) {
    const env = { ...process.env };
    for (const key of Object.keys(env)) {
        if (/^(GIT_|SSH_ASKPASS$)/.test(key) && !/^GIT_(SSL_|HTTP_PROXY|PROXY_)/.test(key)) {
            delete env[key];
        }
    }
    const config = [
        ['credential.helper', ''],
        ['core.askPass', ''],
        ['core.hooksPath', '/dev/null'],
        ['gc.auto', '0'],
        ['maintenance.auto', 'false'],
        ['advice.detachedHead', 'false']
    ];
    if (network) {
        config.push(
        // A redirect is an error, not a new destination for the token (see git/errors.ts).
        ['http.followRedirects', 'false'], 
        // Abandon a request that moves less than a byte a second for stall-timeout seconds.
        ['http.lowSpeedLimit', '1'], ['http.lowSpeedTime', String(e.limits.stallSeconds)]);
        if (e.header)
            config.push([`http.${e.repo.origin}/.extraHeader`, e.header]);
    }
    config.forEach(([key, value], i) => {
        env[`GIT_CONFIG_KEY_${i}`] = key;
        env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    return {
        ...env,
        GIT_CONFIG_COUNT: String(config.length),
        GIT_DIR: e.gitDir,
        GIT_TERMINAL_PROMPT: '0',
        GIT_TRACE_REDACT: '1',
        // Paths are file names, never pathspec magic (`:(top)`, a leading `:`, globs).
        GIT_LITERAL_PATHSPECS: '1',
        GIT_ALLOW_PROTOCOL: e.repo.url.startsWith('http:') ? 'http' : 'https',
        GIT_AUTHOR_NAME: e.identity.name,
        GIT_AUTHOR_EMAIL: e.identity.email,
        GIT_COMMITTER_NAME: e.identity.name,
        GIT_COMMITTER_EMAIL: e.identity.email,
        LC_ALL: 'C'
    };
}


/***/ }),

/***/ 9407:
/***/ ((module, __webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   e: () => (/* reexport safe */ _main_js__WEBPACK_IMPORTED_MODULE_2__.e),
/* harmony export */   x: () => (/* reexport safe */ _cli_js__WEBPACK_IMPORTED_MODULE_3__.x)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_url__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(3136);
/* harmony import */ var node_url__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_url__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _main_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(1275);
/* harmony import */ var _cli_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(5581);
/**
 * The bundled entry point (dist/index.js). Run by the Actions runner, it runs the action; imported
 * (by bin/publish-nix-artifact.js), it only exports the command-line entry point.
 */





function invokedDirectly() {
    try {
        return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.realpathSync)(process.argv[1] ?? '') === (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.realpathSync)((0,node_url__WEBPACK_IMPORTED_MODULE_1__.fileURLToPath)(import.meta.url));
    }
    catch {
        return false;
    }
}
if (invokedDirectly())
    await (0,_main_js__WEBPACK_IMPORTED_MODULE_2__/* .run */ .e)();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 4793:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  Xg: () => (/* binding */ readConfig),
  r6: () => (/* binding */ relaxingOptions)
});

// UNUSED EXPORTS: DEFAULT_MAX_FILE_SIZE, DEFAULT_NETWORK_TIMEOUT, DEFAULT_PATH, DEFAULT_STALL_TIMEOUT, DEFAULT_USER_EMAIL, DEFAULT_USER_NAME, WARN_FILE_SIZE, normalizeRepoPath, parseAttributes, parseBoolean, parseCompression, parseDuration, parseFormats, parseNixBuildArgs, parseRepository, parseSigningKey, parseSize, splitArgs, validateAttribute, validateBranchSyntax, validateToken

;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
;// CONCATENATED MODULE: ./src/config.ts
/** The typed configuration that the entry points build from their inputs and pass down. */
const FORMATS = ['nar', 'closure', 'binary-cache'];
const COMPRESSIONS = ['none', 'xz', 'zstd'];

// EXTERNAL MODULE: ./src/errors.ts
var errors = __nccwpck_require__(3916);
// EXTERNAL MODULE: ./src/template.ts
var template = __nccwpck_require__(5237);
;// CONCATENATED MODULE: ./src/inputs.ts




const DEFAULT_PATH = 'nix';
const DEFAULT_USER_NAME = 'github-actions[bot]';
const DEFAULT_USER_EMAIL = '41898282+github-actions[bot]@users.noreply.github.com';
/** GitHub rejects files over 100 MiB and warns above 50 MiB. */
const DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024;
const WARN_FILE_SIZE = 50 * 1024 * 1024;
/**
 * A network request that moves no byte for this long is abandoned (and retried): long enough for
 * a server that checks a large push before it answers, short enough not to hold a runner.
 */
const DEFAULT_STALL_TIMEOUT = '60s';
/** Each network operation, retries and back-off included, ends by then. */
const DEFAULT_NETWORK_TIMEOUT = '30m';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Builds the configuration from the action's inputs and the runner's environment. */
function readConfig(input, env) {
    const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
    const token = input('token');
    validateToken(token);
    const branch = input('branch') || undefined;
    if (branch !== undefined)
        validateBranchSyntax(branch);
    const commitMessage = input('commit-message') || template/* DEFAULT_COMMIT_MESSAGE */.Kb;
    (0,template/* validateTemplate */.dC)(commitMessage);
    const maxFileSize = parseSize(input('max-file-size') || String(DEFAULT_MAX_FILE_SIZE), 'max-file-size');
    const source = {
        repository: env.GITHUB_REPOSITORY || '',
        commit: env.GITHUB_SHA || '',
        ref: env.GITHUB_REF || '',
        serverUrl
    };
    return {
        attributes: parseAttributes(input('flake-attribute')),
        repository: parseRepository(input('repository'), serverUrl),
        token,
        branch,
        path: normalizeRepoPath(input('path') || DEFAULT_PATH),
        commitMessage,
        gitUserName: oneLine(input('git-user-name') || DEFAULT_USER_NAME, 'git-user-name'),
        gitUserEmail: oneLine(input('git-user-email') || DEFAULT_USER_EMAIL, 'git-user-email'),
        nixBuildArgs: parseNixBuildArgs(input('nix-build-args')),
        formats: parseFormats(input('format') || 'nar'),
        compression: parseCompression(input('compression') || 'xz'),
        signingKey: parseSigningKey(input('signing-key')),
        dryRun: parseBoolean(input('dry-run') || 'false', 'dry-run'),
        maxFileSize,
        warnFileSize: Math.min(WARN_FILE_SIZE, maxFileSize),
        network: {
            stallSeconds: parseDuration(input('stall-timeout') || DEFAULT_STALL_TIMEOUT, 'stall-timeout'),
            timeoutSeconds: parseDuration(input('network-timeout') || DEFAULT_NETWORK_TIMEOUT, 'network-timeout')
        },
        source,
        tempDir: env.RUNNER_TEMP || external_node_os_namespaceObject.tmpdir()
    };
}
/**
 * One flake output reference per line (blank lines and `#`-less whitespace ignored). Each must look
 * like a flake reference: no leading dash (it would be read as an option), no whitespace or
 * control characters inside, and a flake part that is a path, a `scheme:` URL or a registry name.
 */
function parseAttributes(value) {
    const lines = value
        .split(/\r?\n/)
        .map(line => line.trim())
        .filter(line => line !== '');
    if (lines.length === 0) {
        throw new errors/* UserError */.yo("Input 'flake-attribute' is required: give a flake output reference such as '.#hello' or './flake#packages.x86_64-linux.tool' (several on separate lines).");
    }
    for (const attr of lines)
        validateAttribute(attr);
    const unique = [...new Set(lines)];
    return unique;
}
function validateAttribute(attr) {
    const shown = JSON.stringify(attr);
    if (CONTROL.test(attr) || /\s/.test(attr)) {
        throw new errors/* UserError */.yo(`Flake attribute ${shown} contains whitespace or control characters; give one reference per line, e.g. '.#hello'.`);
    }
    if (attr.startsWith('-')) {
        throw new errors/* UserError */.yo(`Flake attribute ${shown} starts with '-' and would be read as an option; pass options through 'nix-build-args' instead.`);
    }
    const hash = attr.indexOf('#');
    const flake = hash === -1 ? attr : attr.slice(0, hash);
    const fragment = hash === -1 ? '' : attr.slice(hash + 1);
    const flakeOk = /^(\.{1,2}(\/.*)?|\/.*)$/.test(flake) || // a path: ., ./dir, ../dir, /abs
        /^[a-z][a-z0-9+.-]*:[^\s]+$/i.test(flake) || // github:o/r, git+https://…, path:./x
        /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9._-]+)*$/.test(flake); // registry name: nixpkgs
    if (!flakeOk || flake === '' || (hash !== -1 && fragment === '') || fragment.includes('#')) {
        throw new errors/* UserError */.yo(`${shown} is not a flake output reference; expected FLAKE#ATTRIBUTE such as '.#hello', './dir#packages.x86_64-linux.hello' or 'github:owner/repo#name'.`);
    }
    if (/^(ext|fd)::/i.test(flake)) {
        throw new errors/* UserError */.yo(`${shown} uses a transport that is not allowed.`);
    }
}
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const SLUG = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
/**
 * `OWNER/NAME` (on the workflow's own server) or an https URL. http is accepted only for loopback
 * hosts, because the token would otherwise travel in clear text. URLs with credentials, other
 * transports and option-looking values are refused without echoing any secret part.
 */
function parseRepository(value, serverUrl) {
    const raw = value.trim();
    if (raw === '') {
        throw new errors/* UserError */.yo("Input 'repository' is required: give an HTTPS URL such as https://github.com/OWNER/NAME.git or the shorthand OWNER/NAME.");
    }
    if (CONTROL.test(raw) || /\s/.test(raw)) {
        throw new errors/* UserError */.yo("Input 'repository' contains whitespace or control characters.");
    }
    if (raw.startsWith('-')) {
        throw new errors/* UserError */.yo("Input 'repository' starts with '-' and would be read as an option; give an HTTPS URL.");
    }
    if (SLUG.test(raw) && !raw.includes('..')) {
        const slug = raw.replace(/\.git$/, '');
        return finishRepository(new URL(`${serverUrl}/${slug}.git`), serverUrl);
    }
    if (/^[a-z][a-z0-9+.-]*::/i.test(raw)) {
        throw new errors/* UserError */.yo("Input 'repository' uses a git remote helper ('…::…'), which is not allowed; give an HTTPS URL.");
    }
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        const scp = /^[^/:@]+@[^/:]+:/.test(raw);
        throw new errors/* UserError */.yo(scp
            ? "Input 'repository' is an SSH (scp-style) address; this action authenticates over HTTPS with a token: give https://HOST/OWNER/NAME.git."
            : "Input 'repository' is neither an HTTPS URL nor OWNER/NAME; give e.g. https://github.com/OWNER/NAME.git.");
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new errors/* UserError */.yo(`Input 'repository' uses the ${url.protocol.replace(/:$/, '')} transport; only https:// remotes are supported because the token is sent over HTTPS.`);
    }
    if (url.username || url.password) {
        throw new errors/* UserError */.yo(`Input 'repository' contains credentials (https://USER:SECRET@${url.host}/…); remove them from the URL and pass the secret through the 'token' input.`);
    }
    if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
        throw new errors/* UserError */.yo(`Input 'repository' uses http:// for ${url.hostname}: the token would travel unencrypted. Use https:// (http is only accepted for loopback test servers).`);
    }
    if (url.search || url.hash) {
        throw new errors/* UserError */.yo("Input 'repository' must not contain a query string or fragment.");
    }
    if (url.pathname === '/' || url.pathname.split('/').includes('..')) {
        throw new errors/* UserError */.yo(`Input 'repository' has no repository path: ${url.origin}${url.pathname}`);
    }
    return finishRepository(url, serverUrl);
}
function finishRepository(url, serverUrl) {
    const origin = url.origin;
    const parts = url.pathname.replace(/^\/+|\/+$/g, '').split('/');
    const repo = { url: url.href, origin };
    let serverHost = '';
    try {
        serverHost = new URL(serverUrl).host;
    }
    catch {
        // ignore a malformed GITHUB_SERVER_URL; it only affects link generation
    }
    const forge = url.host === 'github.com' || url.host === serverHost
        ? 'github'
        : url.host === 'gitlab.com'
            ? 'gitlab'
            : url.host === 'codeberg.org'
                ? 'gitea'
                : undefined;
    if (forge && parts.length >= 2) {
        repo.forge = forge;
        repo.slug = parts.join('/').replace(/\.git$/, '');
    }
    return repo;
}
/** The token becomes an HTTP header: a line break in it would inject headers. */
function validateToken(token) {
    if (CONTROL.test(token) || /\s/.test(token)) {
        throw new errors/* UserError */.yo("Input 'token' contains whitespace or control characters; check how the secret was stored (a trailing newline is a common cause).");
    }
}
/** A first, offline check; git check-ref-format has the final word before anything is fetched. */
function validateBranchSyntax(branch) {
    if (CONTROL.test(branch) ||
        /[\s~^:?*[\\]/.test(branch) ||
        branch.startsWith('-') ||
        branch.startsWith('/') ||
        branch.endsWith('/') ||
        branch.endsWith('.') ||
        branch.endsWith('.lock') ||
        branch.includes('..') ||
        branch.includes('@{') ||
        branch.includes('//') ||
        branch === '@' ||
        branch.startsWith('refs/')) {
        throw new errors/* UserError */.yo(`Input 'branch' (${JSON.stringify(branch)}) is not a valid branch name; give a plain name such as 'main' or 'artifacts/nix'.`);
    }
}
/**
 * Normalizes the directory inside the repository. It must stay inside the repository: no absolute
 * paths, no '..', no '.git' component, no backslashes or control characters.
 */
function normalizeRepoPath(value) {
    const raw = value.trim();
    if (CONTROL.test(raw) || raw.includes('\\')) {
        throw new errors/* UserError */.yo("Input 'path' contains control characters or backslashes.");
    }
    if (raw.startsWith('/')) {
        throw new errors/* UserError */.yo(`Input 'path' (${JSON.stringify(raw)}) is absolute; give a directory relative to the repository root, e.g. 'nix'.`);
    }
    const parts = raw.split('/').filter(part => part !== '' && part !== '.');
    for (const part of parts) {
        if (part === '..') {
            throw new errors/* UserError */.yo(`Input 'path' (${JSON.stringify(raw)}) leaves the repository through '..'; give a directory inside it.`);
        }
        if (part.toLowerCase() === '.git') {
            throw new errors/* UserError */.yo(`Input 'path' (${JSON.stringify(raw)}) points into '.git'.`);
        }
    }
    return parts.join('/');
}
/**
 * Splits `nix-build-args` like a shell would split words, without a shell: whitespace separates,
 * single and double quotes group, backslash escapes. Nothing is expanded.
 */
function splitArgs(value) {
    const args = [];
    let current = '';
    let inWord = false;
    let quote;
    for (let i = 0; i < value.length; i++) {
        const c = value[i];
        if (quote) {
            if (c === quote)
                quote = undefined;
            else if (c === '\\' &&
                quote === '"' &&
                i + 1 < value.length &&
                '"\\'.includes(value[i + 1])) {
                current += value[++i];
            }
            else
                current += c;
        }
        else if (c === "'" || c === '"') {
            quote = c;
            inWord = true;
        }
        else if (c === '\\' && i + 1 < value.length) {
            current += value[++i];
            inWord = true;
        }
        else if (/\s/.test(c)) {
            if (inWord)
                args.push(current);
            current = '';
            inWord = false;
        }
        else {
            current += c;
            inWord = true;
        }
    }
    if (quote)
        throw new errors/* UserError */.yo("Input 'nix-build-args' has an unterminated quote.");
    if (inWord)
        args.push(current);
    return args;
}
/** Options that would change what the action itself relies on. */
const OWNED_OPTIONS = new Set([
    '--json',
    '--no-link',
    '--out-link',
    '-o',
    '--print-out-paths',
    '--expr',
    '--file',
    '-f',
    '--dry-run'
]);
function parseNixBuildArgs(value) {
    const args = splitArgs(value);
    for (const arg of args) {
        if (CONTROL.test(arg)) {
            throw new errors/* UserError */.yo("Input 'nix-build-args' contains control characters.");
        }
        const name = arg.split('=')[0];
        if (OWNED_OPTIONS.has(name)) {
            throw new errors/* UserError */.yo(`Input 'nix-build-args' contains ${name}, which the action sets itself; remove it (the flake attribute goes in 'flake-attribute').`);
        }
    }
    return args;
}
const RELAXING_FLAGS = new Set(['--impure', '--accept-flake-config', '--no-require-sigs']);
const RELAXING_SETTINGS = new Set([
    'sandbox',
    'require-sigs',
    'substituters',
    'extra-substituters',
    'trusted-public-keys',
    'extra-trusted-public-keys',
    'accept-flake-config',
    'allowed-uris',
    'pure-eval',
    'restrict-eval'
]);
/**
 * The options in `nix-build-args` that loosen Nix's security settings. They are passed on (the
 * workflow author wrote them), but the log says so.
 */
function relaxingOptions(args) {
    const found = [];
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        if (RELAXING_FLAGS.has(arg))
            found.push(arg);
        else if (arg === '--option' && RELAXING_SETTINGS.has(args[i + 1] ?? '')) {
            found.push(`--option ${args[i + 1]} ${args[i + 2] ?? ''}`.trim());
        }
        else if (arg.startsWith('--') && RELAXING_SETTINGS.has(arg.slice(2).replace(/^(no-)/, ''))) {
            found.push(arg);
        }
    }
    return found;
}
/** `nar`, `closure`, or both, separated by commas or newlines; each at most once. */
function parseFormats(value) {
    const names = value
        .split(/[,\n]/)
        .map(name => name.trim().toLowerCase())
        .filter(name => name !== '');
    if (names.length === 0)
        throw new errors/* UserError */.yo("Input 'format' is empty; use nar, closure or both.");
    for (const name of names) {
        if (!FORMATS.includes(name)) {
            throw new errors/* UserError */.yo(`Input 'format' has an unknown format ${JSON.stringify(name)}; supported: ${FORMATS.join(', ')}.`);
        }
    }
    return [...new Set(names)];
}
function parseCompression(value) {
    const v = value.trim().toLowerCase();
    if (!COMPRESSIONS.includes(v)) {
        throw new errors/* UserError */.yo(`Input 'compression' must be one of ${COMPRESSIONS.join(', ')}, not ${JSON.stringify(value)}.`);
    }
    return v;
}
/** A Nix secret key is `name:base64`; the value is never echoed. */
function parseSigningKey(value) {
    const key = value.trim();
    if (key === '')
        return '';
    if (!/^[A-Za-z0-9._-]+:[A-Za-z0-9+/]+={0,2}$/.test(key)) {
        throw new errors/* UserError */.yo("Input 'signing-key' is not a Nix secret key (NAME:BASE64, as printed by 'nix key generate-secret --key-name NAME').");
    }
    return key;
}
function parseBoolean(value, name) {
    const v = value.trim().toLowerCase();
    if (['true', 'yes', '1', 'on'].includes(v))
        return true;
    if (['false', 'no', '0', 'off', ''].includes(v))
        return false;
    throw new errors/* UserError */.yo(`Input '${name}' must be true or false, not ${JSON.stringify(value)}.`);
}
/** `104857600`, `100M`, `100MiB`, `1.5G`: binary units. */
function parseSize(value, name) {
    const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim());
    if (!m) {
        throw new errors/* UserError */.yo(`Input '${name}' must be a size such as 104857600, 100M or 2G, not ${JSON.stringify(value)}.`);
    }
    const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase()];
    const bytes = Math.floor(Number(m[1]) * unit);
    if (bytes <= 0)
        throw new errors/* UserError */.yo(`Input '${name}' must be larger than zero.`);
    return bytes;
}
/** `90`, `90s`, `5m`, `1h`, `1.5m`: a duration, in whole seconds (at least one). */
function parseDuration(value, name) {
    const m = /^(\d+(?:\.\d+)?)\s*([smh]?)$/i.exec(value.trim());
    if (!m) {
        throw new errors/* UserError */.yo(`Input '${name}' must be a duration such as 90, 90s, 5m or 1h, not ${JSON.stringify(value)}.`);
    }
    const unit = { '': 1, s: 1, m: 60, h: 3600 }[m[2].toLowerCase()];
    const seconds = Math.round(Number(m[1]) * unit);
    if (seconds < 1)
        throw new errors/* UserError */.yo(`Input '${name}' must be at least one second.`);
    return seconds;
}
function oneLine(value, name) {
    if (CONTROL.test(value) || /[<>]/.test(value)) {
        throw new errors/* UserError */.yo(`Input '${name}' must be one line without control characters or '<>'.`);
    }
    return value.trim();
}


/***/ }),

/***/ 5625:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $0: () => (/* binding */ neutralise),
/* harmony export */   kS: () => (/* binding */ consoleLogger)
/* harmony export */ });
/* unused harmony export NEUTRAL_PREFIX */
/* harmony import */ var _secrets_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(7194);

/**
 * Lines that the Actions runner would read as a workflow command: `::name …::` after leading white
 * space (and, to be safe, after invisible characters), or the legacy `##[name]` anywhere.
 */
const COMMAND_START = /^[\s\p{C}]*::/u;
const LEGACY_COMMAND = /##\[/g;
/** What a neutralised line starts with: visible, so the text stays readable, and not a command. */
const NEUTRAL_PREFIX = '> ';
/**
 * Makes text that came from elsewhere (a git server, a build log) safe to print in a step's log:
 * split into lines the way the runner splits them (`\n`, `\r\n`, `\r`), and every line that the
 * runner could take for a workflow command (`::error::`, `::add-mask::`, `::stop-commands::`, …)
 * is prefixed and its legacy `##[` markers broken up, so that a server or a build can neither
 * forge outputs and annotations nor hide the action's own lines.
 */
function neutralise(text) {
    return text
        .split(/\r\n|\r|\n/)
        .map(line => {
        const safe = line.replace(LEGACY_COMMAND, '##\u200b[');
        return COMMAND_START.test(safe) ? `${NEUTRAL_PREFIX}${safe}` : safe;
    })
        .join('\n');
}
function consoleLogger(verbose) {
    const secrets = [];
    // The CLI may itself run in a workflow step: its lines are neutralised like the action's.
    const write = (message) => {
        process.stderr.write(`${neutralise((0,_secrets_js__WEBPACK_IMPORTED_MODULE_0__/* .redact */ .E$)(message, secrets))}\n`);
    };
    return {
        info: write,
        warning: message => write(`warning: ${message}`),
        debug: message => {
            if (verbose)
                write(`debug: ${message}`);
        },
        setSecret: secret => {
            if (secret)
                secrets.push(secret);
        },
        // stdout is reserved for the JSON result.
        output: write,
        group: async (name, fn) => {
            write(`==> ${name}`);
            return fn();
        },
        redact: text => (0,_secrets_js__WEBPACK_IMPORTED_MODULE_0__/* .redact */ .E$)(text, secrets)
    };
}


/***/ }),

/***/ 1275:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  e: () => (/* binding */ run)
});

// UNUSED EXPORTS: actionsLogger

// EXTERNAL MODULE: external "os"
var external_os_ = __nccwpck_require__(857);
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/utils.js
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Sanitizes an input into a string so it can be passed into issueCommand safely
 * @param input input to sanitize into a string
 */
function utils_toCommandValue(input) {
    if (input === null || input === undefined) {
        return '';
    }
    else if (typeof input === 'string' || input instanceof String) {
        return input;
    }
    return JSON.stringify(input);
}
/**
 *
 * @param annotationProperties
 * @returns The command properties to send with the actual annotation command
 * See IssueCommandProperties: https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs#L646
 */
function utils_toCommandProperties(annotationProperties) {
    if (!Object.keys(annotationProperties).length) {
        return {};
    }
    return {
        title: annotationProperties.title,
        file: annotationProperties.file,
        line: annotationProperties.startLine,
        endLine: annotationProperties.endLine,
        col: annotationProperties.startColumn,
        endColumn: annotationProperties.endColumn
    };
}
//# sourceMappingURL=utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/command.js


/**
 * Issues a command to the GitHub Actions runner
 *
 * @param command - The command name to issue
 * @param properties - Additional properties for the command (key-value pairs)
 * @param message - The message to include with the command
 * @remarks
 * This function outputs a specially formatted string to stdout that the Actions
 * runner interprets as a command. These commands can control workflow behavior,
 * set outputs, create annotations, mask values, and more.
 *
 * Command Format:
 *   ::name key=value,key=value::message
 *
 * @example
 * ```typescript
 * // Issue a warning annotation
 * issueCommand('warning', {}, 'This is a warning message');
 * // Output: ::warning::This is a warning message
 *
 * // Set an environment variable
 * issueCommand('set-env', { name: 'MY_VAR' }, 'some value');
 * // Output: ::set-env name=MY_VAR::some value
 *
 * // Add a secret mask
 * issueCommand('add-mask', {}, 'secretValue123');
 * // Output: ::add-mask::secretValue123
 * ```
 *
 * @internal
 * This is an internal utility function that powers the public API functions
 * such as setSecret, warning, error, and exportVariable.
 */
function command_issueCommand(command, properties, message) {
    const cmd = new Command(command, properties, message);
    process.stdout.write(cmd.toString() + external_os_.EOL);
}
function command_issue(name, message = '') {
    command_issueCommand(name, {}, message);
}
const CMD_STRING = '::';
class Command {
    constructor(command, properties, message) {
        if (!command) {
            command = 'missing.command';
        }
        this.command = command;
        this.properties = properties;
        this.message = message;
    }
    toString() {
        let cmdStr = CMD_STRING + this.command;
        if (this.properties && Object.keys(this.properties).length > 0) {
            cmdStr += ' ';
            let first = true;
            for (const key in this.properties) {
                if (this.properties.hasOwnProperty(key)) {
                    const val = this.properties[key];
                    if (val) {
                        if (first) {
                            first = false;
                        }
                        else {
                            cmdStr += ',';
                        }
                        cmdStr += `${key}=${escapeProperty(val)}`;
                    }
                }
            }
        }
        cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
        return cmdStr;
    }
}
function escapeData(s) {
    return utils_toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A');
}
function escapeProperty(s) {
    return utils_toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A')
        .replace(/:/g, '%3A')
        .replace(/,/g, '%2C');
}
//# sourceMappingURL=command.js.map
;// CONCATENATED MODULE: external "crypto"
const external_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");
// EXTERNAL MODULE: external "fs"
var external_fs_ = __nccwpck_require__(9896);
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/file-command.js
// For internal use, subject to change.
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */




function file_command_issueFileCommand(command, message) {
    const filePath = process.env[`GITHUB_${command}`];
    if (!filePath) {
        throw new Error(`Unable to find environment variable for file command ${command}`);
    }
    if (!external_fs_.existsSync(filePath)) {
        throw new Error(`Missing file at path: ${filePath}`);
    }
    external_fs_.appendFileSync(filePath, `${utils_toCommandValue(message)}${external_os_.EOL}`, {
        encoding: 'utf8'
    });
}
function file_command_prepareKeyValueMessage(key, value) {
    const delimiter = `ghadelimiter_${external_crypto_namespaceObject.randomUUID()}`;
    const convertedValue = utils_toCommandValue(value);
    // These should realistically never happen, but just in case someone finds a
    // way to exploit uuid generation let's not allow keys or values that contain
    // the delimiter.
    if (key.includes(delimiter)) {
        throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
    }
    if (convertedValue.includes(delimiter)) {
        throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
    }
    return `${key}<<${delimiter}${external_os_.EOL}${convertedValue}${external_os_.EOL}${delimiter}`;
}
//# sourceMappingURL=file-command.js.map
// EXTERNAL MODULE: external "path"
var external_path_ = __nccwpck_require__(6928);
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/oidc-utils.js
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



class oidc_utils_OidcClient {
    static createHttpClient(allowRetry = true, maxRetry = 10) {
        const requestOptions = {
            allowRetries: allowRetry,
            maxRetries: maxRetry
        };
        return new HttpClient('actions/oidc-client', [new BearerCredentialHandler(oidc_utils_OidcClient.getRequestToken())], requestOptions);
    }
    static getRequestToken() {
        const token = process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
        if (!token) {
            throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_TOKEN env variable');
        }
        return token;
    }
    static getIDTokenUrl() {
        const runtimeUrl = process.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
        if (!runtimeUrl) {
            throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
        }
        return runtimeUrl;
    }
    static getCall(id_token_url) {
        return __awaiter(this, void 0, void 0, function* () {
            var _a;
            const httpclient = oidc_utils_OidcClient.createHttpClient();
            const res = yield httpclient
                .getJson(id_token_url)
                .catch(error => {
                throw new Error(`Failed to get ID Token. \n 
        Error Code : ${error.statusCode}\n 
        Error Message: ${error.message}`);
            });
            const id_token = (_a = res.result) === null || _a === void 0 ? void 0 : _a.value;
            if (!id_token) {
                throw new Error('Response json body do not have ID Token field');
            }
            return id_token;
        });
    }
    static getIDToken(audience) {
        return __awaiter(this, void 0, void 0, function* () {
            try {
                // New ID Token is requested from action service
                let id_token_url = oidc_utils_OidcClient.getIDTokenUrl();
                if (audience) {
                    const encodedAudience = encodeURIComponent(audience);
                    id_token_url = `${id_token_url}&audience=${encodedAudience}`;
                }
                debug(`ID token url is ${id_token_url}`);
                const id_token = yield oidc_utils_OidcClient.getCall(id_token_url);
                setSecret(id_token);
                return id_token;
            }
            catch (error) {
                throw new Error(`Error message: ${error.message}`);
            }
        });
    }
}
//# sourceMappingURL=oidc-utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/summary.js
var summary_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { access, appendFile, writeFile } = external_fs_.promises;
const SUMMARY_ENV_VAR = 'GITHUB_STEP_SUMMARY';
const SUMMARY_DOCS_URL = 'https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary';
class Summary {
    constructor() {
        this._buffer = '';
    }
    /**
     * Finds the summary file path from the environment, rejects if env var is not found or file does not exist
     * Also checks r/w permissions.
     *
     * @returns step summary file path
     */
    filePath() {
        return summary_awaiter(this, void 0, void 0, function* () {
            if (this._filePath) {
                return this._filePath;
            }
            const pathFromEnv = process.env[SUMMARY_ENV_VAR];
            if (!pathFromEnv) {
                throw new Error(`Unable to find environment variable for $${SUMMARY_ENV_VAR}. Check if your runtime environment supports job summaries.`);
            }
            try {
                yield access(pathFromEnv, external_fs_.constants.R_OK | external_fs_.constants.W_OK);
            }
            catch (_a) {
                throw new Error(`Unable to access summary file: '${pathFromEnv}'. Check if the file has correct read/write permissions.`);
            }
            this._filePath = pathFromEnv;
            return this._filePath;
        });
    }
    /**
     * Wraps content in an HTML tag, adding any HTML attributes
     *
     * @param {string} tag HTML tag to wrap
     * @param {string | null} content content within the tag
     * @param {[attribute: string]: string} attrs key-value list of HTML attributes to add
     *
     * @returns {string} content wrapped in HTML element
     */
    wrap(tag, content, attrs = {}) {
        const htmlAttrs = Object.entries(attrs)
            .map(([key, value]) => ` ${key}="${value}"`)
            .join('');
        if (!content) {
            return `<${tag}${htmlAttrs}>`;
        }
        return `<${tag}${htmlAttrs}>${content}</${tag}>`;
    }
    /**
     * Writes text in the buffer to the summary buffer file and empties buffer. Will append by default.
     *
     * @param {SummaryWriteOptions} [options] (optional) options for write operation
     *
     * @returns {Promise<Summary>} summary instance
     */
    write(options) {
        return summary_awaiter(this, void 0, void 0, function* () {
            const overwrite = !!(options === null || options === void 0 ? void 0 : options.overwrite);
            const filePath = yield this.filePath();
            const writeFunc = overwrite ? writeFile : appendFile;
            yield writeFunc(filePath, this._buffer, { encoding: 'utf8' });
            return this.emptyBuffer();
        });
    }
    /**
     * Clears the summary buffer and wipes the summary file
     *
     * @returns {Summary} summary instance
     */
    clear() {
        return summary_awaiter(this, void 0, void 0, function* () {
            return this.emptyBuffer().write({ overwrite: true });
        });
    }
    /**
     * Returns the current summary buffer as a string
     *
     * @returns {string} string of summary buffer
     */
    stringify() {
        return this._buffer;
    }
    /**
     * If the summary buffer is empty
     *
     * @returns {boolen} true if the buffer is empty
     */
    isEmptyBuffer() {
        return this._buffer.length === 0;
    }
    /**
     * Resets the summary buffer without writing to summary file
     *
     * @returns {Summary} summary instance
     */
    emptyBuffer() {
        this._buffer = '';
        return this;
    }
    /**
     * Adds raw text to the summary buffer
     *
     * @param {string} text content to add
     * @param {boolean} [addEOL=false] (optional) append an EOL to the raw text (default: false)
     *
     * @returns {Summary} summary instance
     */
    addRaw(text, addEOL = false) {
        this._buffer += text;
        return addEOL ? this.addEOL() : this;
    }
    /**
     * Adds the operating system-specific end-of-line marker to the buffer
     *
     * @returns {Summary} summary instance
     */
    addEOL() {
        return this.addRaw(external_os_.EOL);
    }
    /**
     * Adds an HTML codeblock to the summary buffer
     *
     * @param {string} code content to render within fenced code block
     * @param {string} lang (optional) language to syntax highlight code
     *
     * @returns {Summary} summary instance
     */
    addCodeBlock(code, lang) {
        const attrs = Object.assign({}, (lang && { lang }));
        const element = this.wrap('pre', this.wrap('code', code), attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML list to the summary buffer
     *
     * @param {string[]} items list of items to render
     * @param {boolean} [ordered=false] (optional) if the rendered list should be ordered or not (default: false)
     *
     * @returns {Summary} summary instance
     */
    addList(items, ordered = false) {
        const tag = ordered ? 'ol' : 'ul';
        const listItems = items.map(item => this.wrap('li', item)).join('');
        const element = this.wrap(tag, listItems);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML table to the summary buffer
     *
     * @param {SummaryTableCell[]} rows table rows
     *
     * @returns {Summary} summary instance
     */
    addTable(rows) {
        const tableBody = rows
            .map(row => {
            const cells = row
                .map(cell => {
                if (typeof cell === 'string') {
                    return this.wrap('td', cell);
                }
                const { header, data, colspan, rowspan } = cell;
                const tag = header ? 'th' : 'td';
                const attrs = Object.assign(Object.assign({}, (colspan && { colspan })), (rowspan && { rowspan }));
                return this.wrap(tag, data, attrs);
            })
                .join('');
            return this.wrap('tr', cells);
        })
            .join('');
        const element = this.wrap('table', tableBody);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds a collapsable HTML details element to the summary buffer
     *
     * @param {string} label text for the closed state
     * @param {string} content collapsable content
     *
     * @returns {Summary} summary instance
     */
    addDetails(label, content) {
        const element = this.wrap('details', this.wrap('summary', label) + content);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML image tag to the summary buffer
     *
     * @param {string} src path to the image you to embed
     * @param {string} alt text description of the image
     * @param {SummaryImageOptions} options (optional) addition image attributes
     *
     * @returns {Summary} summary instance
     */
    addImage(src, alt, options) {
        const { width, height } = options || {};
        const attrs = Object.assign(Object.assign({}, (width && { width })), (height && { height }));
        const element = this.wrap('img', null, Object.assign({ src, alt }, attrs));
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML section heading element
     *
     * @param {string} text heading text
     * @param {number | string} [level=1] (optional) the heading level, default: 1
     *
     * @returns {Summary} summary instance
     */
    addHeading(text, level) {
        const tag = `h${level}`;
        const allowedTag = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].includes(tag)
            ? tag
            : 'h1';
        const element = this.wrap(allowedTag, text);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML thematic break (<hr>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addSeparator() {
        const element = this.wrap('hr', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML line break (<br>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addBreak() {
        const element = this.wrap('br', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML blockquote to the summary buffer
     *
     * @param {string} text quote text
     * @param {string} cite (optional) citation url
     *
     * @returns {Summary} summary instance
     */
    addQuote(text, cite) {
        const attrs = Object.assign({}, (cite && { cite }));
        const element = this.wrap('blockquote', text, attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML anchor tag to the summary buffer
     *
     * @param {string} text link text/content
     * @param {string} href hyperlink
     *
     * @returns {Summary} summary instance
     */
    addLink(text, href) {
        const element = this.wrap('a', text, { href });
        return this.addRaw(element).addEOL();
    }
}
const _summary = new Summary();
/**
 * @deprecated use `core.summary`
 */
const markdownSummary = (/* unused pure expression or super */ null && (_summary));
const summary = _summary;
//# sourceMappingURL=summary.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/path-utils.js

/**
 * toPosixPath converts the given path to the posix form. On Windows, \\ will be
 * replaced with /.
 *
 * @param pth. Path to transform.
 * @return string Posix path.
 */
function toPosixPath(pth) {
    return pth.replace(/[\\]/g, '/');
}
/**
 * toWin32Path converts the given path to the win32 form. On Linux, / will be
 * replaced with \\.
 *
 * @param pth. Path to transform.
 * @return string Win32 path.
 */
function toWin32Path(pth) {
    return pth.replace(/[/]/g, '\\');
}
/**
 * toPlatformPath converts the given path to a platform-specific path. It does
 * this by replacing instances of / and \ with the platform-specific path
 * separator.
 *
 * @param pth The path to platformize.
 * @return string The platform-specific path.
 */
function toPlatformPath(pth) {
    return pth.replace(/[/\\]/g, path.sep);
}
//# sourceMappingURL=path-utils.js.map
// EXTERNAL MODULE: external "string_decoder"
var external_string_decoder_ = __nccwpck_require__(3193);
// EXTERNAL MODULE: external "events"
var external_events_ = __nccwpck_require__(4434);
;// CONCATENATED MODULE: external "child_process"
const external_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");
// EXTERNAL MODULE: ./node_modules/@actions/io/lib/io.js
var io = __nccwpck_require__(8701);
// EXTERNAL MODULE: ./node_modules/@actions/io/lib/io-util.js
var io_util = __nccwpck_require__(90);
;// CONCATENATED MODULE: external "timers"
const external_timers_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/toolrunner.js
var toolrunner_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};







/* eslint-disable @typescript-eslint/unbound-method */
const IS_WINDOWS = process.platform === 'win32';
/*
 * Class for running command line tools. Handles quoting and arg parsing in a platform agnostic way.
 */
class ToolRunner extends external_events_.EventEmitter {
    constructor(toolPath, args, options) {
        super();
        if (!toolPath) {
            throw new Error("Parameter 'toolPath' cannot be null or empty.");
        }
        this.toolPath = toolPath;
        this.args = args || [];
        this.options = options || {};
    }
    _debug(message) {
        if (this.options.listeners && this.options.listeners.debug) {
            this.options.listeners.debug(message);
        }
    }
    _getCommandString(options, noPrefix) {
        const toolPath = this._getSpawnFileName();
        const args = this._getSpawnArgs(options);
        let cmd = noPrefix ? '' : '[command]'; // omit prefix when piped to a second tool
        if (IS_WINDOWS) {
            // Windows + cmd file
            if (this._isCmdFile()) {
                cmd += toolPath;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows + verbatim
            else if (options.windowsVerbatimArguments) {
                cmd += `"${toolPath}"`;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows (regular)
            else {
                cmd += this._windowsQuoteCmdArg(toolPath);
                for (const a of args) {
                    cmd += ` ${this._windowsQuoteCmdArg(a)}`;
                }
            }
        }
        else {
            // OSX/Linux - this can likely be improved with some form of quoting.
            // creating processes on Unix is fundamentally different than Windows.
            // on Unix, execvp() takes an arg array.
            cmd += toolPath;
            for (const a of args) {
                cmd += ` ${a}`;
            }
        }
        return cmd;
    }
    _processLineBuffer(data, strBuffer, onLine) {
        try {
            let s = strBuffer + data.toString();
            let n = s.indexOf(external_os_.EOL);
            while (n > -1) {
                const line = s.substring(0, n);
                onLine(line);
                // the rest of the string ...
                s = s.substring(n + external_os_.EOL.length);
                n = s.indexOf(external_os_.EOL);
            }
            return s;
        }
        catch (err) {
            // streaming lines to console is best effort.  Don't fail a build.
            this._debug(`error processing line. Failed with error ${err}`);
            return '';
        }
    }
    _getSpawnFileName() {
        if (IS_WINDOWS) {
            if (this._isCmdFile()) {
                return process.env['COMSPEC'] || 'cmd.exe';
            }
        }
        return this.toolPath;
    }
    _getSpawnArgs(options) {
        if (IS_WINDOWS) {
            if (this._isCmdFile()) {
                let argline = `/D /S /C "${this._windowsQuoteCmdArg(this.toolPath)}`;
                for (const a of this.args) {
                    argline += ' ';
                    argline += options.windowsVerbatimArguments
                        ? a
                        : this._windowsQuoteCmdArg(a);
                }
                argline += '"';
                return [argline];
            }
        }
        return this.args;
    }
    _endsWith(str, end) {
        return str.endsWith(end);
    }
    _isCmdFile() {
        const upperToolPath = this.toolPath.toUpperCase();
        return (this._endsWith(upperToolPath, '.CMD') ||
            this._endsWith(upperToolPath, '.BAT'));
    }
    _windowsQuoteCmdArg(arg) {
        // for .exe, apply the normal quoting rules that libuv applies
        if (!this._isCmdFile()) {
            return this._uvQuoteCmdArg(arg);
        }
        // otherwise apply quoting rules specific to the cmd.exe command line parser.
        // the libuv rules are generic and are not designed specifically for cmd.exe
        // command line parser.
        //
        // for a detailed description of the cmd.exe command line parser, refer to
        // http://stackoverflow.com/questions/4094699/how-does-the-windows-command-interpreter-cmd-exe-parse-scripts/7970912#7970912
        // need quotes for empty arg
        if (!arg) {
            return '""';
        }
        // determine whether the arg needs to be quoted
        const cmdSpecialChars = [
            ' ',
            '\t',
            '&',
            '(',
            ')',
            '[',
            ']',
            '{',
            '}',
            '^',
            '=',
            ';',
            '!',
            "'",
            '+',
            ',',
            '`',
            '~',
            '|',
            '<',
            '>',
            '"'
        ];
        let needsQuotes = false;
        for (const char of arg) {
            if (cmdSpecialChars.some(x => x === char)) {
                needsQuotes = true;
                break;
            }
        }
        // short-circuit if quotes not needed
        if (!needsQuotes) {
            return arg;
        }
        // the following quoting rules are very similar to the rules that by libuv applies.
        //
        // 1) wrap the string in quotes
        //
        // 2) double-up quotes - i.e. " => ""
        //
        //    this is different from the libuv quoting rules. libuv replaces " with \", which unfortunately
        //    doesn't work well with a cmd.exe command line.
        //
        //    note, replacing " with "" also works well if the arg is passed to a downstream .NET console app.
        //    for example, the command line:
        //          foo.exe "myarg:""my val"""
        //    is parsed by a .NET console app into an arg array:
        //          [ "myarg:\"my val\"" ]
        //    which is the same end result when applying libuv quoting rules. although the actual
        //    command line from libuv quoting rules would look like:
        //          foo.exe "myarg:\"my val\""
        //
        // 3) double-up slashes that precede a quote,
        //    e.g.  hello \world    => "hello \world"
        //          hello\"world    => "hello\\""world"
        //          hello\\"world   => "hello\\\\""world"
        //          hello world\    => "hello world\\"
        //
        //    technically this is not required for a cmd.exe command line, or the batch argument parser.
        //    the reasons for including this as a .cmd quoting rule are:
        //
        //    a) this is optimized for the scenario where the argument is passed from the .cmd file to an
        //       external program. many programs (e.g. .NET console apps) rely on the slash-doubling rule.
        //
        //    b) it's what we've been doing previously (by deferring to node default behavior) and we
        //       haven't heard any complaints about that aspect.
        //
        // note, a weakness of the quoting rules chosen here, is that % is not escaped. in fact, % cannot be
        // escaped when used on the command line directly - even though within a .cmd file % can be escaped
        // by using %%.
        //
        // the saving grace is, on the command line, %var% is left as-is if var is not defined. this contrasts
        // the line parsing rules within a .cmd file, where if var is not defined it is replaced with nothing.
        //
        // one option that was explored was replacing % with ^% - i.e. %var% => ^%var^%. this hack would
        // often work, since it is unlikely that var^ would exist, and the ^ character is removed when the
        // variable is used. the problem, however, is that ^ is not removed when %* is used to pass the args
        // to an external program.
        //
        // an unexplored potential solution for the % escaping problem, is to create a wrapper .cmd file.
        // % can be escaped within a .cmd file.
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\'; // double the slash
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '"'; // double the quote
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _uvQuoteCmdArg(arg) {
        // Tool runner wraps child_process.spawn() and needs to apply the same quoting as
        // Node in certain cases where the undocumented spawn option windowsVerbatimArguments
        // is used.
        //
        // Since this function is a port of quote_cmd_arg from Node 4.x (technically, lib UV,
        // see https://github.com/nodejs/node/blob/v4.x/deps/uv/src/win/process.c for details),
        // pasting copyright notice from Node within this function:
        //
        //      Copyright Joyent, Inc. and other Node contributors. All rights reserved.
        //
        //      Permission is hereby granted, free of charge, to any person obtaining a copy
        //      of this software and associated documentation files (the "Software"), to
        //      deal in the Software without restriction, including without limitation the
        //      rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
        //      sell copies of the Software, and to permit persons to whom the Software is
        //      furnished to do so, subject to the following conditions:
        //
        //      The above copyright notice and this permission notice shall be included in
        //      all copies or substantial portions of the Software.
        //
        //      THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
        //      IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
        //      FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
        //      AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
        //      LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
        //      FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
        //      IN THE SOFTWARE.
        if (!arg) {
            // Need double quotation for empty argument
            return '""';
        }
        if (!arg.includes(' ') && !arg.includes('\t') && !arg.includes('"')) {
            // No quotation needed
            return arg;
        }
        if (!arg.includes('"') && !arg.includes('\\')) {
            // No embedded double quotes or backslashes, so I can just wrap
            // quote marks around the whole thing.
            return `"${arg}"`;
        }
        // Expected input/output:
        //   input : hello"world
        //   output: "hello\"world"
        //   input : hello""world
        //   output: "hello\"\"world"
        //   input : hello\world
        //   output: hello\world
        //   input : hello\\world
        //   output: hello\\world
        //   input : hello\"world
        //   output: "hello\\\"world"
        //   input : hello\\"world
        //   output: "hello\\\\\"world"
        //   input : hello world\
        //   output: "hello world\\" - note the comment in libuv actually reads "hello world\"
        //                             but it appears the comment is wrong, it should be "hello world\\"
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\';
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '\\';
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _cloneExecOptions(options) {
        options = options || {};
        const result = {
            cwd: options.cwd || process.cwd(),
            env: options.env || process.env,
            silent: options.silent || false,
            windowsVerbatimArguments: options.windowsVerbatimArguments || false,
            failOnStdErr: options.failOnStdErr || false,
            ignoreReturnCode: options.ignoreReturnCode || false,
            delay: options.delay || 10000
        };
        result.outStream = options.outStream || process.stdout;
        result.errStream = options.errStream || process.stderr;
        return result;
    }
    _getSpawnOptions(options, toolPath) {
        options = options || {};
        const result = {};
        result.cwd = options.cwd;
        result.env = options.env;
        result['windowsVerbatimArguments'] =
            options.windowsVerbatimArguments || this._isCmdFile();
        if (options.windowsVerbatimArguments) {
            result.argv0 = `"${toolPath}"`;
        }
        return result;
    }
    /**
     * Exec a tool.
     * Output will be streamed to the live console.
     * Returns promise with return code
     *
     * @param     tool     path to tool to exec
     * @param     options  optional exec options.  See ExecOptions
     * @returns   number
     */
    exec() {
        return toolrunner_awaiter(this, void 0, void 0, function* () {
            // root the tool path if it is unrooted and contains relative pathing
            if (!io_util/* isRooted */.Qh(this.toolPath) &&
                (this.toolPath.includes('/') ||
                    (IS_WINDOWS && this.toolPath.includes('\\')))) {
                // prefer options.cwd if it is specified, however options.cwd may also need to be rooted
                this.toolPath = external_path_.resolve(process.cwd(), this.options.cwd || process.cwd(), this.toolPath);
            }
            // if the tool is only a file name, then resolve it from the PATH
            // otherwise verify it exists (add extension on Windows if necessary)
            this.toolPath = yield io/* which */.K7(this.toolPath, true);
            return new Promise((resolve, reject) => toolrunner_awaiter(this, void 0, void 0, function* () {
                this._debug(`exec tool: ${this.toolPath}`);
                this._debug('arguments:');
                for (const arg of this.args) {
                    this._debug(`   ${arg}`);
                }
                const optionsNonNull = this._cloneExecOptions(this.options);
                if (!optionsNonNull.silent && optionsNonNull.outStream) {
                    optionsNonNull.outStream.write(this._getCommandString(optionsNonNull) + external_os_.EOL);
                }
                const state = new ExecState(optionsNonNull, this.toolPath);
                state.on('debug', (message) => {
                    this._debug(message);
                });
                if (this.options.cwd && !(yield io_util/* exists */.t2(this.options.cwd))) {
                    return reject(new Error(`The cwd: ${this.options.cwd} does not exist!`));
                }
                const fileName = this._getSpawnFileName();
                const cp = external_child_process_namespaceObject.spawn(fileName, this._getSpawnArgs(optionsNonNull), this._getSpawnOptions(this.options, fileName));
                let stdbuffer = '';
                if (cp.stdout) {
                    cp.stdout.on('data', (data) => {
                        if (this.options.listeners && this.options.listeners.stdout) {
                            this.options.listeners.stdout(data);
                        }
                        if (!optionsNonNull.silent && optionsNonNull.outStream) {
                            optionsNonNull.outStream.write(data);
                        }
                        stdbuffer = this._processLineBuffer(data, stdbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.stdline) {
                                this.options.listeners.stdline(line);
                            }
                        });
                    });
                }
                let errbuffer = '';
                if (cp.stderr) {
                    cp.stderr.on('data', (data) => {
                        state.processStderr = true;
                        if (this.options.listeners && this.options.listeners.stderr) {
                            this.options.listeners.stderr(data);
                        }
                        if (!optionsNonNull.silent &&
                            optionsNonNull.errStream &&
                            optionsNonNull.outStream) {
                            const s = optionsNonNull.failOnStdErr
                                ? optionsNonNull.errStream
                                : optionsNonNull.outStream;
                            s.write(data);
                        }
                        errbuffer = this._processLineBuffer(data, errbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.errline) {
                                this.options.listeners.errline(line);
                            }
                        });
                    });
                }
                cp.on('error', (err) => {
                    state.processError = err.message;
                    state.processExited = true;
                    state.processClosed = true;
                    state.CheckComplete();
                });
                cp.on('exit', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    this._debug(`Exit code ${code} received from tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                cp.on('close', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    state.processClosed = true;
                    this._debug(`STDIO streams have closed for tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                state.on('done', (error, exitCode) => {
                    if (stdbuffer.length > 0) {
                        this.emit('stdline', stdbuffer);
                    }
                    if (errbuffer.length > 0) {
                        this.emit('errline', errbuffer);
                    }
                    cp.removeAllListeners();
                    if (error) {
                        reject(error);
                    }
                    else {
                        resolve(exitCode);
                    }
                });
                if (this.options.input) {
                    if (!cp.stdin) {
                        throw new Error('child process missing stdin');
                    }
                    cp.stdin.end(this.options.input);
                }
            }));
        });
    }
}
/**
 * Convert an arg string to an array of args. Handles escaping
 *
 * @param    argString   string of arguments
 * @returns  string[]    array of arguments
 */
function argStringToArray(argString) {
    const args = [];
    let inQuotes = false;
    let escaped = false;
    let arg = '';
    function append(c) {
        // we only escape double quotes.
        if (escaped && c !== '"') {
            arg += '\\';
        }
        arg += c;
        escaped = false;
    }
    for (let i = 0; i < argString.length; i++) {
        const c = argString.charAt(i);
        if (c === '"') {
            if (!escaped) {
                inQuotes = !inQuotes;
            }
            else {
                append(c);
            }
            continue;
        }
        if (c === '\\' && escaped) {
            append(c);
            continue;
        }
        if (c === '\\' && inQuotes) {
            escaped = true;
            continue;
        }
        if (c === ' ' && !inQuotes) {
            if (arg.length > 0) {
                args.push(arg);
                arg = '';
            }
            continue;
        }
        append(c);
    }
    if (arg.length > 0) {
        args.push(arg.trim());
    }
    return args;
}
class ExecState extends external_events_.EventEmitter {
    constructor(options, toolPath) {
        super();
        this.processClosed = false; // tracks whether the process has exited and stdio is closed
        this.processError = '';
        this.processExitCode = 0;
        this.processExited = false; // tracks whether the process has exited
        this.processStderr = false; // tracks whether stderr was written to
        this.delay = 10000; // 10 seconds
        this.done = false;
        this.timeout = null;
        if (!toolPath) {
            throw new Error('toolPath must not be empty');
        }
        this.options = options;
        this.toolPath = toolPath;
        if (options.delay) {
            this.delay = options.delay;
        }
    }
    CheckComplete() {
        if (this.done) {
            return;
        }
        if (this.processClosed) {
            this._setResult();
        }
        else if (this.processExited) {
            this.timeout = (0,external_timers_namespaceObject.setTimeout)(ExecState.HandleTimeout, this.delay, this);
        }
    }
    _debug(message) {
        this.emit('debug', message);
    }
    _setResult() {
        // determine whether there is an error
        let error;
        if (this.processExited) {
            if (this.processError) {
                error = new Error(`There was an error when attempting to execute the process '${this.toolPath}'. This may indicate the process failed to start. Error: ${this.processError}`);
            }
            else if (this.processExitCode !== 0 && !this.options.ignoreReturnCode) {
                error = new Error(`The process '${this.toolPath}' failed with exit code ${this.processExitCode}`);
            }
            else if (this.processStderr && this.options.failOnStdErr) {
                error = new Error(`The process '${this.toolPath}' failed because one or more lines were written to the STDERR stream`);
            }
        }
        // clear the timeout
        if (this.timeout) {
            clearTimeout(this.timeout);
            this.timeout = null;
        }
        this.done = true;
        this.emit('done', error, this.processExitCode);
    }
    static HandleTimeout(state) {
        if (state.done) {
            return;
        }
        if (!state.processClosed && state.processExited) {
            const message = `The STDIO streams did not close within ${state.delay / 1000} seconds of the exit event from process '${state.toolPath}'. This may indicate a child process inherited the STDIO streams and has not yet exited.`;
            state._debug(message);
        }
        state._setResult();
    }
}
//# sourceMappingURL=toolrunner.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/exec.js
var exec_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


/**
 * Exec a command.
 * Output will be streamed to the live console.
 * Returns promise with return code
 *
 * @param     commandLine        command to execute (can include additional args). Must be correctly escaped.
 * @param     args               optional arguments for tool. Escaping is handled by the lib.
 * @param     options            optional exec options.  See ExecOptions
 * @returns   Promise<number>    exit code
 */
function exec_exec(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        const commandArgs = tr.argStringToArray(commandLine);
        if (commandArgs.length === 0) {
            throw new Error(`Parameter 'commandLine' cannot be null or empty.`);
        }
        // Path to tool to execute should be first arg
        const toolPath = commandArgs[0];
        args = commandArgs.slice(1).concat(args || []);
        const runner = new tr.ToolRunner(toolPath, args, options);
        return runner.exec();
    });
}
/**
 * Exec a command and get the output.
 * Output will be streamed to the live console.
 * Returns promise with the exit code and collected stdout and stderr
 *
 * @param     commandLine           command to execute (can include additional args). Must be correctly escaped.
 * @param     args                  optional arguments for tool. Escaping is handled by the lib.
 * @param     options               optional exec options.  See ExecOptions
 * @returns   Promise<ExecOutput>   exit code, stdout, and stderr
 */
function getExecOutput(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        var _a, _b;
        let stdout = '';
        let stderr = '';
        //Using string decoder covers the case where a mult-byte character is split
        const stdoutDecoder = new StringDecoder('utf8');
        const stderrDecoder = new StringDecoder('utf8');
        const originalStdoutListener = (_a = options === null || options === void 0 ? void 0 : options.listeners) === null || _a === void 0 ? void 0 : _a.stdout;
        const originalStdErrListener = (_b = options === null || options === void 0 ? void 0 : options.listeners) === null || _b === void 0 ? void 0 : _b.stderr;
        const stdErrListener = (data) => {
            stderr += stderrDecoder.write(data);
            if (originalStdErrListener) {
                originalStdErrListener(data);
            }
        };
        const stdOutListener = (data) => {
            stdout += stdoutDecoder.write(data);
            if (originalStdoutListener) {
                originalStdoutListener(data);
            }
        };
        const listeners = Object.assign(Object.assign({}, options === null || options === void 0 ? void 0 : options.listeners), { stdout: stdOutListener, stderr: stdErrListener });
        const exitCode = yield exec_exec(commandLine, args, Object.assign(Object.assign({}, options), { listeners }));
        //flush any remaining characters
        stdout += stdoutDecoder.end();
        stderr += stderrDecoder.end();
        return {
            exitCode,
            stdout,
            stderr
        };
    });
}
//# sourceMappingURL=exec.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/platform.js
var platform_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const getWindowsInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    const { stdout: version } = yield exec.getExecOutput('powershell -command "(Get-CimInstance -ClassName Win32_OperatingSystem).Version"', undefined, {
        silent: true
    });
    const { stdout: name } = yield exec.getExecOutput('powershell -command "(Get-CimInstance -ClassName Win32_OperatingSystem).Caption"', undefined, {
        silent: true
    });
    return {
        name: name.trim(),
        version: version.trim()
    };
});
const getMacOsInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    var _a, _b, _c, _d;
    const { stdout } = yield exec.getExecOutput('sw_vers', undefined, {
        silent: true
    });
    const version = (_b = (_a = stdout.match(/ProductVersion:\s*(.+)/)) === null || _a === void 0 ? void 0 : _a[1]) !== null && _b !== void 0 ? _b : '';
    const name = (_d = (_c = stdout.match(/ProductName:\s*(.+)/)) === null || _c === void 0 ? void 0 : _c[1]) !== null && _d !== void 0 ? _d : '';
    return {
        name,
        version
    };
});
const getLinuxInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    const { stdout } = yield exec.getExecOutput('lsb_release', ['-i', '-r', '-s'], {
        silent: true
    });
    const [name, version] = stdout.trim().split('\n');
    return {
        name,
        version
    };
});
const platform = external_os_.platform();
const arch = external_os_.arch();
const isWindows = platform === 'win32';
const isMacOS = platform === 'darwin';
const isLinux = platform === 'linux';
function getDetails() {
    return platform_awaiter(this, void 0, void 0, function* () {
        return Object.assign(Object.assign({}, (yield (isWindows
            ? getWindowsInfo()
            : isMacOS
                ? getMacOsInfo()
                : getLinuxInfo()))), { platform,
            arch,
            isWindows,
            isMacOS,
            isLinux });
    });
}
//# sourceMappingURL=platform.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/core.js
var core_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};






/**
 * The code to exit an action
 */
var ExitCode;
(function (ExitCode) {
    /**
     * A code indicating that the action was successful
     */
    ExitCode[ExitCode["Success"] = 0] = "Success";
    /**
     * A code indicating that the action was a failure
     */
    ExitCode[ExitCode["Failure"] = 1] = "Failure";
})(ExitCode || (ExitCode = {}));
//-----------------------------------------------------------------------
// Variables
//-----------------------------------------------------------------------
/**
 * Sets env variable for this action and future actions in the job
 * @param name the name of the variable to set
 * @param val the value of the variable. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function exportVariable(name, val) {
    const convertedVal = toCommandValue(val);
    process.env[name] = convertedVal;
    const filePath = process.env['GITHUB_ENV'] || '';
    if (filePath) {
        return issueFileCommand('ENV', prepareKeyValueMessage(name, val));
    }
    issueCommand('set-env', { name }, convertedVal);
}
/**
 * Registers a secret which will get masked from logs
 *
 * @param secret - Value of the secret to be masked
 * @remarks
 * This function instructs the Actions runner to mask the specified value in any
 * logs produced during the workflow run. Once registered, the secret value will
 * be replaced with asterisks (***) whenever it appears in console output, logs,
 * or error messages.
 *
 * This is useful for protecting sensitive information such as:
 * - API keys
 * - Access tokens
 * - Authentication credentials
 * - URL parameters containing signatures (SAS tokens)
 *
 * Note that masking only affects future logs; any previous appearances of the
 * secret in logs before calling this function will remain unmasked.
 *
 * @example
 * ```typescript
 * // Register an API token as a secret
 * const apiToken = "abc123xyz456";
 * setSecret(apiToken);
 *
 * // Now any logs containing this value will show *** instead
 * console.log(`Using token: ${apiToken}`); // Outputs: "Using token: ***"
 * ```
 */
function core_setSecret(secret) {
    command_issueCommand('add-mask', {}, secret);
}
/**
 * Prepends inputPath to the PATH (for this action and future actions)
 * @param inputPath
 */
function addPath(inputPath) {
    const filePath = process.env['GITHUB_PATH'] || '';
    if (filePath) {
        issueFileCommand('PATH', inputPath);
    }
    else {
        issueCommand('add-path', {}, inputPath);
    }
    process.env['PATH'] = `${inputPath}${path.delimiter}${process.env['PATH']}`;
}
/**
 * Gets the value of an input.
 * Unless trimWhitespace is set to false in InputOptions, the value is also trimmed.
 * Returns an empty string if the value is not defined.
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   string
 */
function getInput(name, options) {
    const val = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '';
    if (options && options.required && !val) {
        throw new Error(`Input required and not supplied: ${name}`);
    }
    if (options && options.trimWhitespace === false) {
        return val;
    }
    return val.trim();
}
/**
 * Gets the values of an multiline input.  Each value is also trimmed.
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   string[]
 *
 */
function getMultilineInput(name, options) {
    const inputs = getInput(name, options)
        .split('\n')
        .filter(x => x !== '');
    if (options && options.trimWhitespace === false) {
        return inputs;
    }
    return inputs.map(input => input.trim());
}
/**
 * Gets the input value of the boolean type in the YAML 1.2 "core schema" specification.
 * Support boolean input list: `true | True | TRUE | false | False | FALSE` .
 * The return value is also in boolean type.
 * ref: https://yaml.org/spec/1.2/spec.html#id2804923
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   boolean
 */
function getBooleanInput(name, options) {
    const trueValue = ['true', 'True', 'TRUE'];
    const falseValue = ['false', 'False', 'FALSE'];
    const val = getInput(name, options);
    if (trueValue.includes(val))
        return true;
    if (falseValue.includes(val))
        return false;
    throw new TypeError(`Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
        `Support boolean input list: \`true | True | TRUE | false | False | FALSE\``);
}
/**
 * Sets the value of an output.
 *
 * @param     name     name of the output to set
 * @param     value    value to store. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function setOutput(name, value) {
    const filePath = process.env['GITHUB_OUTPUT'] || '';
    if (filePath) {
        return file_command_issueFileCommand('OUTPUT', file_command_prepareKeyValueMessage(name, value));
    }
    process.stdout.write(external_os_.EOL);
    command_issueCommand('set-output', { name }, utils_toCommandValue(value));
}
/**
 * Enables or disables the echoing of commands into stdout for the rest of the step.
 * Echoing is disabled by default if ACTIONS_STEP_DEBUG is not set.
 *
 */
function setCommandEcho(enabled) {
    issue('echo', enabled ? 'on' : 'off');
}
//-----------------------------------------------------------------------
// Results
//-----------------------------------------------------------------------
/**
 * Sets the action status to failed.
 * When the action exits it will be with an exit code of 1
 * @param message add error issue message
 */
function setFailed(message) {
    process.exitCode = ExitCode.Failure;
    error(message);
}
//-----------------------------------------------------------------------
// Logging Commands
//-----------------------------------------------------------------------
/**
 * Gets whether Actions Step Debug is on or not
 */
function isDebug() {
    return process.env['RUNNER_DEBUG'] === '1';
}
/**
 * Writes debug message to user log
 * @param message debug message
 */
function core_debug(message) {
    command_issueCommand('debug', {}, message);
}
/**
 * Adds an error issue
 * @param message error issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function error(message, properties = {}) {
    command_issueCommand('error', utils_toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a warning issue
 * @param message warning issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function warning(message, properties = {}) {
    command_issueCommand('warning', utils_toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a notice issue
 * @param message notice issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function notice(message, properties = {}) {
    issueCommand('notice', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Writes info to log with console.log.
 * @param message info message
 */
function info(message) {
    process.stdout.write(message + external_os_.EOL);
}
/**
 * Begin an output group.
 *
 * Output until the next `groupEnd` will be foldable in this group
 *
 * @param name The name of the output group
 */
function startGroup(name) {
    command_issue('group', name);
}
/**
 * End an output group.
 */
function endGroup() {
    command_issue('endgroup');
}
/**
 * Wrap an asynchronous function call in a group.
 *
 * Returns the same type as the function itself.
 *
 * @param name The name of the group
 * @param fn The function to wrap in the group
 */
function group(name, fn) {
    return core_awaiter(this, void 0, void 0, function* () {
        startGroup(name);
        let result;
        try {
            result = yield fn();
        }
        finally {
            endGroup();
        }
        return result;
    });
}
//-----------------------------------------------------------------------
// Wrapper action state
//-----------------------------------------------------------------------
/**
 * Saves state for current action, the state can only be retrieved by this action's post job execution.
 *
 * @param     name     name of the state to store
 * @param     value    value to store. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function saveState(name, value) {
    const filePath = process.env['GITHUB_STATE'] || '';
    if (filePath) {
        return issueFileCommand('STATE', prepareKeyValueMessage(name, value));
    }
    issueCommand('save-state', { name }, toCommandValue(value));
}
/**
 * Gets the value of an state set by this action's main execution.
 *
 * @param     name     name of the state to get
 * @returns   string
 */
function getState(name) {
    return process.env[`STATE_${name}`] || '';
}
function getIDToken(aud) {
    return core_awaiter(this, void 0, void 0, function* () {
        return yield OidcClient.getIDToken(aud);
    });
}
/**
 * Summary exports
 */

/**
 * @deprecated use core.summary
 */

/**
 * Path exports
 */

/**
 * Platform utilities exports
 */

//# sourceMappingURL=core.js.map
// EXTERNAL MODULE: ./src/errors.ts
var errors = __nccwpck_require__(3916);
// EXTERNAL MODULE: ./src/inputs.ts + 2 modules
var inputs = __nccwpck_require__(4793);
// EXTERNAL MODULE: ./src/log.ts
var log = __nccwpck_require__(5625);
// EXTERNAL MODULE: ./src/publish.ts + 16 modules
var publish = __nccwpck_require__(9709);
// EXTERNAL MODULE: ./src/report.ts
var report = __nccwpck_require__(665);
// EXTERNAL MODULE: ./src/secrets.ts
var src_secrets = __nccwpck_require__(7194);
;// CONCATENATED MODULE: ./src/main.ts







/**
 * The runner's logger: collapsible groups, masking, annotations. Plain lines are neutralised (see
 * `neutralise`): they may carry what a server or a build printed. Annotations, debug lines and
 * group names are escaped by @actions/core itself.
 */
function actionsLogger() {
    return {
        info: message => info((0,log/* neutralise */.$0)(message)),
        warning: message => warning(message),
        debug: message => core_debug(message),
        setSecret: secret => core_setSecret(secret),
        output: line => info((0,log/* neutralise */.$0)(line)),
        group: (name, fn) => group(name, fn)
    };
}
/**
 * For pull requests the interesting commit is the head, not the merge commit in GITHUB_SHA. The
 * event payload (and @actions/github with it) is only loaded for those events: it costs start-up
 * time that every other run would pay for nothing.
 */
async function sourceCommit() {
    if (!process.env.GITHUB_EVENT_NAME?.startsWith('pull_request'))
        return process.env.GITHUB_SHA;
    const { context } = await __nccwpck_require__.e(/* import() */ 413).then(__nccwpck_require__.bind(__nccwpck_require__, 2413));
    const pr = context.payload.pull_request;
    return pr?.head?.sha ?? context.sha;
}
/** The action's entry point: inputs from INPUT_*, outputs to GITHUB_OUTPUT, one ::error:: on failure. */
async function run() {
    const log = actionsLogger();
    // Masked before anything else happens; also redacted from our own last words below.
    const secrets = (0,src_secrets/* secretForms */.eo)(getInput('token'), getInput('signing-key'));
    for (const secret of secrets)
        log.setSecret(secret);
    try {
        const config = (0,inputs/* readConfig */.Xg)(name => getInput(name), {
            ...process.env,
            GITHUB_SHA: await sourceCommit()
        });
        // Child processes (nix, the builders it starts, git) never inherit the token input.
        delete process.env.INPUT_TOKEN;
        delete process.env['INPUT_SIGNING-KEY'];
        const result = await (0,publish/* publish */.m)(config, log);
        for (const [name, value] of Object.entries((0,report/* outputs */.V)(result)))
            setOutput(name, value);
        if (process.env.GITHUB_STEP_SUMMARY) {
            await summary.addRaw((0,report/* summaryMarkdown */.e)(result, config)).write();
        }
    }
    catch (error) {
        if (!(error instanceof errors/* UserError */.yo) && error instanceof Error && error.stack) {
            core_debug((0,src_secrets/* redact */.E$)(error.stack, secrets));
        }
        setFailed((0,src_secrets/* redact */.E$)((0,errors/* errorMessage */.gJ)(error), secrets));
    }
}


/***/ }),

/***/ 8499:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Es: () => (/* binding */ artifactFilePath),
/* harmony export */   IU: () => (/* binding */ rawUrl),
/* harmony export */   RL: () => (/* binding */ storeHashPart),
/* harmony export */   UF: () => (/* binding */ storeBasename),
/* harmony export */   Z1: () => (/* binding */ EXTENSIONS),
/* harmony export */   iw: () => (/* binding */ fileUrl),
/* harmony export */   qN: () => (/* binding */ repoPath)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3916);

const STORE_BASENAME = /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$/;
/** `/nix/store/<hash>-<name>` → `<hash>-<name>`, checked so that it is safe as a file name. */
function storeBasename(storePath) {
    const base = storePath.split('/').pop() ?? '';
    if (!STORE_BASENAME.test(base) || base.startsWith('.')) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo(`Nix returned an unexpected store path: ${JSON.stringify(storePath)}.`);
    }
    return base;
}
/** Joins path parts inside the repository; an empty part (the root `path`) is skipped. */
function repoPath(...parts) {
    return parts.filter(part => part !== '').join('/');
}
const SYSTEM = /^[A-Za-z0-9_]+-[A-Za-z0-9_]+$/;
/**
 * Files are content-addressed by store path and grouped per system:
 * `<path>/<system>/<hash>-<name>.nar`. Two jobs of a matrix never write the same file unless they
 * built the same store path, in which case the file is the same.
 */
/**
 * File extension per format. A closure is Nix's export format (what `nix-store --import` reads),
 * so it must not end in `.nar`, which NAR readers would try and fail on.
 */
const EXTENSIONS = {
    nar: '.nar',
    closure: '.closure',
    'binary-cache': '.narinfo'
};
/** `/nix/store/<hash>-<name>` → `<hash>`: how a binary cache names the path's narinfo. */
function storeHashPart(storePath) {
    return storeBasename(storePath).slice(0, 32);
}
function artifactFilePath(dir, system, storePath, format) {
    if (!SYSTEM.test(system)) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo(`The derivation reports an unexpected system: ${JSON.stringify(system)}.`);
    }
    return repoPath(dir, system, `${storeBasename(storePath)}${EXTENSIONS[format]}`);
}
function encodePath(file) {
    return file.split('/').map(encodeURIComponent).join('/');
}
/** Where a person can look at the file on the git host, when the host is one we know. */
function fileUrl(repo, commit, file) {
    if (!repo.forge || !repo.slug || !commit)
        return '';
    const base = `${repo.origin}/${repo.slug}`;
    switch (repo.forge) {
        case 'github':
            return `${base}/blob/${commit}/${encodePath(file)}`;
        case 'gitlab':
            return `${base}/-/blob/${commit}/${encodePath(file)}`;
        case 'gitea':
            return `${base}/src/commit/${commit}/${encodePath(file)}`;
    }
}
/** A direct download URL (public repositories), when the host is one we know. */
function rawUrl(repo, commit, file) {
    if (!repo.forge || !repo.slug || !commit)
        return '';
    switch (repo.forge) {
        case 'github':
            return repo.origin === 'https://github.com'
                ? `https://raw.githubusercontent.com/${repo.slug}/${commit}/${encodePath(file)}`
                : `${repo.origin}/${repo.slug}/raw/${commit}/${encodePath(file)}`;
        case 'gitlab':
            return `${repo.origin}/${repo.slug}/-/raw/${commit}/${encodePath(file)}`;
        case 'gitea':
            return `${repo.origin}/${repo.slug}/raw/commit/${commit}/${encodePath(file)}`;
    }
}


/***/ }),

/***/ 9709:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  m: () => (/* binding */ publish)
});

// UNUSED EXPORTS: Publisher

;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: ./src/background.ts
function background(promise) {
    const done = promise.then(value => ({ ok: true, value }), (error) => ({ ok: false, error }));
    return {
        done,
        get: async () => {
            const r = await done;
            if (!r.ok)
                throw r.error;
            return r.value;
        }
    };
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
// EXTERNAL MODULE: ./src/naming.ts
var naming = __nccwpck_require__(8499);
;// CONCATENATED MODULE: ./src/binary-cache.ts




/** The cache this run writes, or undefined when the binary cache is not among the formats. */
async function prepareBinaryCache(config, nix, work) {
    if (!config.formats.includes('binary-cache'))
        return undefined;
    const cache = {
        localDir: external_node_path_namespaceObject.join(work, 'binary-cache'),
        repoDir: (0,naming/* repoPath */.qN)(config.path, 'cache'),
        compression: config.compression,
        secretKeyFile: '',
        publicKey: ''
    };
    if (!config.signingKey)
        return cache;
    const secretKeyFile = external_node_path_namespaceObject.join(work, 'signing-key');
    await promises_namespaceObject.writeFile(secretKeyFile, config.signingKey, { mode: 0o600 });
    return { ...cache, secretKeyFile, publicKey: await nix.publicKey(config.signingKey) };
}
/** Adds `storePath` and its closure to the cache; its narinfo, as the artifact's file. */
async function addToCache(cache, storePath, ports, write) {
    await ports.nix.copyToCache(storePath, cache.localDir, cache);
    const name = `${(0,naming/* storeHashPart */.RL)(storePath)}.narinfo`;
    const narinfo = external_node_path_namespaceObject.join(cache.localDir, name);
    // A narinfo is a few hundred bytes: read whole.
    const content = await promises_namespaceObject.readFile(narinfo);
    const sha256 = `sha256-${(0,external_node_crypto_.createHash)('sha256').update(content).digest('base64')}`;
    const oid = await ports.git.hashObject(narinfo, write);
    const file = (0,naming/* repoPath */.qN)(cache.repoDir, name);
    return { format: 'binary-cache', path: file, size: content.length, sha256, oid };
}
/** Every file `nix copy` wrote into the local cache, as files for the repository, with sizes. */
async function cacheFiles(cache, git, write) {
    const entries = await promises_namespaceObject.readdir(cache.localDir, { recursive: true, withFileTypes: true });
    const files = [];
    for (const entry of entries.filter(e => e.isFile())) {
        const parent = entry.parentPath ?? entry.path;
        const local = external_node_path_namespaceObject.join(parent, entry.name);
        const relative = external_node_path_namespaceObject.relative(cache.localDir, local).split(external_node_path_namespaceObject.sep).join('/');
        files.push({
            path: (0,naming/* repoPath */.qN)(cache.repoDir, relative),
            oid: await git.hashObject(local, write),
            size: (await promises_namespaceObject.stat(local)).size
        });
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

// EXTERNAL MODULE: ./src/errors.ts
var errors = __nccwpck_require__(3916);
// EXTERNAL MODULE: ./node_modules/@actions/io/lib/io.js
var io = __nccwpck_require__(8701);
;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
;// CONCATENATED MODULE: ./src/proc.ts






const TAIL = 16 * 1024;
/** Read size when following a file that a child process writes. */
const CHUNK = 4 * 1024 * 1024;
/** Captured stdout is for small answers (a hash, a few refs); anything larger is a bug. */
const MAX_STDOUT = 8 * 1024 * 1024;
/** How long a child may take to exit after SIGTERM before it is killed. */
const GRACE_MS = 3000;
const resolved = new Map();
/**
 * The absolute path of a program on PATH, looked up once per process: otherwise PATH would be
 * walked again for every one of the dozen short git and nix calls of a publish.
 */
function resolveTool(command) {
    let found = resolved.get(command);
    if (!found) {
        found = io/* which */.K7(command, true);
        found.catch(() => resolved.delete(command));
        resolved.set(command, found);
    }
    return found;
}
class CommandNotFoundError extends errors/* UserError */.yo {
    command;
    constructor(command) {
        super(`'${command}' was not found on PATH.`);
        this.command = command;
    }
}
/** The step was cancelled (SIGTERM or SIGINT): no new process starts, running ones are stopped. */
class CancelledError extends errors/* UserError */.yo {
    constructor(signal) {
        super(`Cancelled (${signal}): the running git and Nix processes were stopped; nothing more was pushed.`);
        this.name = 'CancelledError';
    }
}
function isNotFound(error) {
    const e = error;
    return e?.code === 'ENOENT' || /Unable to locate executable file/.test(e?.message ?? '');
}
/** Every child that is running now. Each leads its own process group (see `start`). */
const live = new Set();
let cancelledBy;
function signalGroup(child, signal) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
        return;
    try {
        process.kill(-child.pid, signal);
    }
    catch {
        // Already gone.
    }
}
function proc_closed(child) {
    if (child.exitCode !== null || child.signalCode !== null)
        return Promise.resolve();
    return new Promise(resolve => child.once('close', () => resolve()));
}
/** SIGTERM to the child's whole process group, then SIGKILL if it is still there after `graceMs`. */
async function stop(child, graceMs) {
    signalGroup(child, 'SIGTERM');
    let timer;
    const killed = new Promise(resolve => {
        timer = setTimeout(() => {
            signalGroup(child, 'SIGKILL');
            resolve();
        }, graceMs);
    });
    await Promise.race([proc_closed(child), killed]);
    clearTimeout(timer);
    // After SIGKILL the pipes close at once; bounded all the same.
    await Promise.race([proc_closed(child), new Promise(resolve => setTimeout(resolve, 1000))]);
}
/**
 * Cancels the step: no process starts any more, and every running child and everything it started
 * (git's helpers, Nix's builders) gets SIGTERM, then SIGKILL after `graceMs`. Resolves once they
 * are gone, so that nothing writes into the work directory after it was removed.
 */
async function cancelAll(signal, graceMs = GRACE_MS) {
    cancelledBy ??= signal;
    await Promise.all([...live].map(child => stop(child, graceMs)));
}
/**
 * Starts a program by absolute path, never through a shell, as the leader of a new process group,
 * so that a timeout or a cancellation stops it together with every process it started.
 */
async function start(command, args, env, stdio) {
    if (cancelledBy)
        throw new CancelledError(cancelledBy);
    let tool;
    try {
        tool = await resolveTool(command);
    }
    catch (error) {
        throw isNotFound(error) ? new CommandNotFoundError(command) : error;
    }
    if (cancelledBy)
        throw new CancelledError(cancelledBy);
    const child = (0,external_node_child_process_namespaceObject.spawn)(tool, args, { env: env ?? process.env, stdio, detached: true });
    live.add(child);
    child.once('close', () => live.delete(child));
    return child;
}
/** Calls `echo` once per line of what arrives, whatever the chunking. */
function lineSplitter(echo) {
    let rest = '';
    return {
        push(text) {
            if (!echo)
                return;
            const parts = (rest + text).split(/\r\n|\r|\n/);
            rest = parts.pop() ?? '';
            // A lone `\r` at the end of a chunk may be the first half of `\r\n`: the next chunk decides.
            for (const line of parts)
                echo(line);
        },
        end() {
            if (echo && rest !== '')
                echo(rest);
            rest = '';
        }
    };
}
/** Runs `child` to its end, stopping it at `timeoutMs`; collects the stderr tail. */
function supervise(child, command, options) {
    let stderr = '';
    const lines = lineSplitter(options.echo);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text) => {
        stderr = (stderr + text).slice(-TAIL);
        lines.push(text);
    });
    let timedOut = false;
    const timer = options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            void stop(child, GRACE_MS);
        }, Math.max(0, options.timeoutMs));
    return new Promise((resolve, reject) => {
        child.once('error', error => {
            clearTimeout(timer);
            reject(isNotFound(error) ? new CommandNotFoundError(command) : error);
        });
        child.once('close', (code, signal) => {
            clearTimeout(timer);
            lines.end();
            if (cancelledBy)
                reject(new CancelledError(cancelledBy));
            else
                resolve({ code: code ?? (signal ? 128 : 1), stderr, timedOut });
        });
    });
}
/**
 * Runs a program with an argument vector, never through a shell, and returns its exit code,
 * its (small) stdout and the tail of its stderr. A missing program is reported by name.
 */
async function run(command, args, options = {}) {
    const child = await start(command, args, options.env, [
        options.input === undefined ? 'ignore' : 'pipe',
        'pipe',
        'pipe'
    ]);
    const out = [];
    let outSize = 0;
    child.stdout?.on('data', (data) => {
        outSize += data.length;
        if (outSize <= MAX_STDOUT)
            out.push(data);
    });
    if (options.input !== undefined) {
        // A child that exits without reading its input must not crash this process (EPIPE).
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(options.input);
    }
    const result = await supervise(child, command, options);
    if (outSize > MAX_STDOUT)
        throw new Error(`${command} printed more than ${MAX_STDOUT} bytes`);
    return { ...result, stdout: Buffer.concat(out).toString('utf8') };
}
/**
 * Runs a program with its stdout going straight into `file` (the bytes never pass through this
 * process), while a reader follows the growing file with one reused buffer and hashes it. Memory
 * use is constant whatever the size of the output: no per-chunk allocations, nothing held whole.
 */
async function runToFile(command, args, file) {
    const out = (0,external_node_fs_.openSync)(file, 'w', 0o600);
    let child;
    try {
        child = await start(command, args, undefined, ['ignore', out, 'pipe']);
    }
    finally {
        (0,external_node_fs_.closeSync)(out);
    }
    let finished = false;
    const exited = supervise(child, command, {}).finally(() => {
        finished = true;
    });
    // Handled here so that a failure of the reader first cannot leave it unhandled.
    exited.catch(() => undefined);
    const hash = (0,external_node_crypto_.createHash)('sha256');
    let size = 0;
    const reader = await (0,promises_namespaceObject.open)(file, 'r');
    try {
        // Two buffers: the next read is under way while the current chunk is hashed.
        const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
        const issue = (index, position) => {
            const done = finished;
            return reader.read(buffers[index], 0, CHUNK, position).then(r => ({ ...r, done }));
        };
        const follow = async () => {
            let index = 0;
            let pending = issue(index, 0);
            for (;;) {
                const { bytesRead, done } = await pending;
                if (bytesRead > 0) {
                    const current = buffers[index];
                    index ^= 1;
                    pending = issue(index, size + bytesRead);
                    hash.update(current.subarray(0, bytesRead));
                    size += bytesRead;
                }
                else if (done) {
                    return;
                }
                else {
                    await new Promise(resolve => setTimeout(resolve, 2));
                    pending = issue(index, size);
                }
            }
        };
        const [{ code, stderr }] = await Promise.all([exited, follow()]);
        return { code, stderr, size, sha256: `sha256-${hash.digest('base64')}` };
    }
    finally {
        await reader.close();
    }
}

// EXTERNAL MODULE: ./src/git/auth.ts
var auth = __nccwpck_require__(5768);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __nccwpck_require__(7067);
;// CONCATENATED MODULE: external "node:https"
const external_node_https_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");
;// CONCATENATED MODULE: ./src/git/redirect.ts


/**
 * Asks the remote where it redirects the smart-HTTP discovery request of `service`
 * (`git-upload-pack` or `git-receive-pack`), without following the answer: the request goes only to
 * the URL the user named, with the same header git sends there. Used after git failed on a 3xx,
 * so that the error can name the new location. Undefined when the answer is not a redirect, or
 * none comes within `timeoutMs`.
 */
function probeRedirect(url, service, authHeader, timeoutMs = 10000) {
    const target = new URL(`${url.replace(/\/+$/, '')}/info/refs?service=${service}`);
    const client = target.protocol === 'https:' ? external_node_https_namespaceObject : external_node_http_;
    const headers = { 'User-Agent': 'git/2 (publish-nix-artifact)' };
    const colon = authHeader.indexOf(':');
    if (colon > 0)
        headers[authHeader.slice(0, colon)] = authHeader.slice(colon + 1).trim();
    return new Promise(resolve => {
        const request = client.get(target, { headers, timeout: timeoutMs }, response => {
            const status = response.statusCode ?? 0;
            const raw = response.headers.location ?? '';
            response.destroy();
            if (status < 300 || status > 399)
                return resolve(undefined);
            let location = '';
            try {
                location = raw ? new URL(raw, target).href : '';
            }
            catch {
                location = '';
            }
            resolve({ status, location });
        });
        request.on('timeout', () => request.destroy());
        request.on('error', () => resolve(undefined));
    });
}
/** `https://host/a/b.git/info/refs?service=…` → `https://host/a/b.git`: the repository's URL. */
function repositoryOf(location) {
    try {
        const url = new URL(location);
        url.search = '';
        url.hash = '';
        return url.href
            .replace(/\/info\/refs$/, '')
            .replace(/\/(git-upload-pack|git-receive-pack)$/, '');
    }
    catch {
        return location;
    }
}

;// CONCATENATED MODULE: ./src/git/errors.ts


/** What git said went wrong: from its first `fatal:` or `error:` line, or else its last lines. */
function tail(result) {
    const lines = result.stderr.split(/\r\n|\r|\n/).filter(line => line.trim() !== '');
    const start = lines.findIndex(line => /^(fatal|error):/.test(line));
    const picked = start === -1 ? lines.slice(-4) : lines.slice(start, start + 4);
    return picked.join(' ').trim() || `exit code ${result.code}`;
}
function remoteLines(result) {
    return result.stderr
        .split('\n')
        .filter(line => line.startsWith('remote:'))
        .slice(-5)
        .join(' ');
}
/** The HTTP status git reports in its error output, if any. */
function httpStatus(stderr) {
    return /returned error: (\d{3})/.exec(stderr)?.[1] ?? /HTTP (\d{3})/.exec(stderr)?.[1];
}
/**
 * The remote answered with a redirect. It is never followed: git would send the Authorization
 * header to wherever it points. The message names the new location (when the remote gave one) so
 * that the user can update 'repository' if the move is genuine.
 */
function redirectError(repo, where, location, status) {
    const shown = location.length > 300 ? `${location.slice(0, 300)}…` : location;
    let origin = '';
    try {
        origin = location ? new URL(location).origin : '';
    }
    catch {
        origin = '';
    }
    const fix = `If the repository has moved, set 'repository' to its new URL${shown ? ` (${repositoryOf(shown)})` : ''}.`;
    if (!shown) {
        return new errors/* UserError */.yo(`Could not ${where}: the server answered with a redirect (HTTP ${status}). Redirects are not followed, so that the token is only ever sent to ${repo.origin}. ${fix}`);
    }
    if (origin !== repo.origin) {
        return new errors/* UserError */.yo(`Could not ${where}: it redirects (HTTP ${status}) to ${shown}, away from ${repo.origin}. The token is only ever sent to ${repo.origin}, so the redirect was not followed. ${fix}`);
    }
    return new errors/* UserError */.yo(`Could not ${where}: it redirects (HTTP ${status}) to ${shown}. Redirects are not followed, so that the token only goes to the URL you named. ${fix}`);
}
/** Turns git's stderr into one message that says what to do; transient failures are retried. */
function classifyRemoteError(repo, verb, result) {
    const err = result.stderr;
    const url = repo.url;
    const status = httpStatus(err);
    // curl's low-speed limit (http.lowSpeedLimit/Time, set from 'stall-timeout').
    const stall = /Operation too slow.*the last (\d+) seconds/i.exec(err);
    if (stall) {
        return new errors/* TransientError */.N_(`No data from ${repo.origin} for ${stall[1]} s while trying to ${verb} ${url} ('stall-timeout'): the server stopped answering.`);
    }
    if (status === '401' ||
        /Authentication failed|could not read Username|terminal prompts disabled/i.test(err)) {
        return new errors/* UserError */.yo(`Authentication failed for ${url} (HTTP 401): the token was refused. Check that the 'token' input holds a valid, unexpired token for this host; the default github.token only works for the workflow's own repository.`);
    }
    if (status === '403') {
        return new errors/* UserError */.yo(`Access to ${url} was denied (HTTP 403): the token is valid but may not write to this repository. Give it 'contents: write' (workflow 'permissions:' for github.token, or the repository access of a fine-grained PAT or GitHub App).`);
    }
    if (status === '404' || /repository '.*' not found|not found/i.test(err)) {
        return new errors/* UserError */.yo(`Repository ${url} was not found (HTTP 404). Check the 'repository' input; for a private repository, also check that the token can see it (hosts answer 404 when it cannot).`);
    }
    if ((status && status.startsWith('5')) ||
        /RPC failed|Connection reset|Empty reply|Failed to connect|Couldn't connect|Could not resolve host|timed out|early EOF|unexpected disconnect|remote end hung up|SSL_ERROR|gnutls_handshake/i.test(err)) {
        return new errors/* TransientError */.N_(`Could not ${verb} ${url}: ${tail(result)}`);
    }
    return new errors/* UserError */.yo(`Could not ${verb} ${url}: ${tail(result)}`);
}
/**
 * A push git refused for a reason of its own: the branch moved (a RaceError: fetch, re-apply, push
 * again) or the server rejected the update (a hook, branch protection). Undefined for anything
 * else, which is a transport failure (classifyRemoteError).
 */
function pushRejection(branch, result) {
    const text = `${result.stdout}\n${result.stderr}`;
    if (/\[remote rejected\]/.test(text)) {
        const reason = /\[remote rejected\]\s*\(([^)]*)\)/.exec(text)?.[1] ?? 'no reason given';
        if (/failed to update ref|cannot lock ref|incorrect old value|stale info/i.test(reason)) {
            return new errors/* RaceError */.CL(`the branch '${branch}' moved while pushing (${reason})`);
        }
        return new errors/* UserError */.yo(`The server refused the push to '${branch}' (${reason}). Check the branch protection rules or server hooks for this branch. ${remoteLines(result)}`.trim());
    }
    if (/\[rejected\]|non-fast-forward|fetch first/.test(text)) {
        return new errors/* RaceError */.CL(`the branch '${branch}' moved while pushing`);
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/git/fast-import.ts
/**
 * The `git fast-import` stream for one commit on `tip` that adds `files` (blobs named by id) and
 * `texts` (inline). Its commit is mark :1. Paths are always C-quoted, so no file name can end or
 * break a command.
 */
function fastImportStream(c) {
    const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
    return [
        `reset ${c.ref}\n`,
        `commit ${c.ref}\nmark :1\n`,
        `committer ${c.committer.name} <${c.committer.email}> now\n`,
        data(c.message),
        c.tip ? `from ${c.tip}\n` : '',
        ...c.files.map(f => `M 100644 ${f.oid} ${quotePath(f.path)}\n`),
        ...c.texts.map(t => `M 100644 inline ${quotePath(t.path)}\n${data(t.text)}`)
    ].join('');
}
/** A path as fast-import reads it: always C-quoted. */
function quotePath(file) {
    return `"${file.replace(/["\\]/g, c => `\\${c}`)}"`;
}

;// CONCATENATED MODULE: ./src/git/commands.ts








const MIN_GIT = [2, 31]; // GIT_CONFIG_COUNT/KEY/VALUE
/**
 * A private, bare, partial and shallow repository in the work directory, and the one remote it
 * talks to. Existing artifacts are never downloaded: fetches take the tip commit and its trees
 * (`--depth=1 --filter=blob:none`) and the small files the action rewrites, commits are made by
 * `git fast-import` from object ids, and nothing is ever checked out.
 *
 * The token travels only in the environment of git processes, as an Authorization header scoped
 * to the remote's origin (GIT_CONFIG_COUNT/KEY/VALUE): never in an argument, never in a file.
 * Redirects are never followed (git would send the header on to wherever they point), and every
 * network call is bounded: by git's low-speed limit when nothing moves, and by the deadline of
 * the operation it belongs to.
 */
class Git {
    repo;
    workDir;
    identity;
    log;
    limits;
    gitDir;
    header;
    constructor(repo, token, workDir, identity, log, limits) {
        this.repo = repo;
        this.workDir = workDir;
        this.identity = identity;
        this.log = log;
        this.limits = limits;
        this.gitDir = external_node_path_namespaceObject.join(workDir, 'repo.git');
        this.header = (0,auth/* authHeader */.eT)(token);
    }
    env(network) {
        const { repo, header, limits, gitDir, identity } = this;
        return (0,auth/* gitEnvironment */._K)({ repo, header, limits, gitDir, identity }, network);
    }
    async git(args, options = {}) {
        try {
            return await run('git', args, {
                echo: options.network === true ? line => this.log.output(line) : undefined,
                ...options,
                env: { ...this.env(options.network === true), ...options.env }
            });
        }
        catch (error) {
            if (error instanceof CommandNotFoundError) {
                throw new errors/* UserError */.yo('git is not installed or not on PATH; install git before this step.');
            }
            throw error;
        }
    }
    /** A git call that talks to the remote; it is stopped if it is still running at `deadline`. */
    async network(args, deadline, env) {
        return this.git(args, { network: true, env, timeoutMs: deadline - Date.now() });
    }
    /**
     * The error for a failed network call, with what to do. A redirect is looked up at the remote
     * (not followed) to name where it points; `service` is the smart-HTTP service the call used.
     */
    async remoteError(verb, result, service = 'git-upload-pack') {
        const where = `${verb} ${this.repo.url}`;
        if (result.timedOut) {
            return new errors/* TimeoutError */.MU(`Gave up trying to ${where}: the server was still not done when the ${this.limits.timeoutSeconds} s that 'network-timeout' allows were over.`);
        }
        const status = httpStatus(result.stderr);
        if (status?.startsWith('3')) {
            const redirect = await probeRedirect(this.repo.url, service, this.header);
            return redirectError(this.repo, where, redirect?.location ?? '', status);
        }
        return classifyRemoteError(this.repo, verb, result);
    }
    async ok(args, options = {}) {
        const result = await this.git(args, options);
        if (result.code !== 0) {
            throw new errors/* UserError */.yo(`git ${args[0]} failed: ${tail(result)}`);
        }
        return result.stdout;
    }
    async init() {
        // The version check and `git init` are independent: run them side by side.
        const [version] = await Promise.all([
            this.ok(['version']),
            this.ok(['init', '--bare', '--quiet', this.gitDir], { env: { GIT_DIR: undefined } })
        ]);
        const m = /(\d+)\.(\d+)/.exec(version);
        if (!m ||
            Number(m[1]) < MIN_GIT[0] ||
            (Number(m[1]) === MIN_GIT[0] && Number(m[2]) < MIN_GIT[1])) {
            throw new errors/* UserError */.yo(`git ${version.trim()} is too old; this action needs git 2.31 or later.`);
        }
        await this.ok(['remote', 'add', 'origin', this.repo.url]);
    }
    /** `git check-ref-format --branch` has the last word on branch names. */
    async checkBranchName(branch) {
        const result = await this.git(['check-ref-format', '--branch', branch]);
        if (result.code !== 0) {
            throw new errors/* UserError */.yo(`'${branch}' is not a valid branch name (git check-ref-format refused it).`);
        }
    }
    /**
     * Asks the remote for its default branch and the target branch's tip. This is also the check
     * that the URL and the token work, made before anything is built. Needs no repository.
     */
    async remoteState(deadline, branch) {
        const patterns = branch ? ['HEAD', `refs/heads/${branch}`] : ['HEAD'];
        // By URL, outside any repository: it needs none, so it can start before `init` is done.
        const result = await this.network(['ls-remote', '--symref', this.repo.url, ...patterns], deadline, { GIT_DIR: undefined });
        if (result.code !== 0)
            throw await this.remoteError('reach', result);
        const refs = new Map();
        let head;
        for (const line of result.stdout.split('\n')) {
            const sym = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
            if (sym)
                head = sym[1];
            const ref = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line);
            if (ref)
                refs.set(ref[2], ref[1]);
        }
        const target = branch ?? head ?? 'main';
        return {
            branch: target,
            tip: refs.get(`refs/heads/${target}`) ?? (branch ? undefined : refs.get('HEAD'))
        };
    }
    /**
     * Fetches the tip of `branch` (of the remote's default branch, HEAD, when none is named) with its
     * trees but without any file contents; returns the local ref it is under, or undefined when
     * there is no such tip.
     */
    async fetchTip(deadline, branch) {
        const ref = 'refs/publish-nix-artifact/tip';
        const source = branch ? `refs/heads/${branch}` : 'HEAD';
        const result = await this.network([
            'fetch',
            '--quiet',
            '--no-tags',
            '--no-write-fetch-head',
            '--depth=1',
            '--filter=blob:none',
            'origin',
            `+${source}:${ref}`
        ], deadline);
        if (result.code !== 0) {
            if (!result.timedOut && /couldn't find remote ref/i.test(result.stderr))
                return undefined;
            throw await this.remoteError('fetch from', result);
        }
        if (/filtering not recognized by server/i.test(result.stderr)) {
            this.log.warning('The server does not support partial clone filters: the tip’s existing files were downloaded too. Publishing is still correct, only slower on large repositories.');
        }
        return ref;
    }
    /** The id of the commit `ref` points to. */
    async commitId(ref) {
        return (await this.ok(['rev-parse', '--verify', `${ref}^{commit}`])).trim();
    }
    /**
     * Downloads these blobs (small files the action reads or rewrites) in one request, the way git
     * itself fills in a missing object of a partial clone, but for all of them at once.
     */
    async fetchBlobs(oids, deadline) {
        if (oids.length === 0)
            return;
        const result = await this.network([
            '-c',
            'fetch.negotiationAlgorithm=noop',
            'fetch',
            '--quiet',
            '--no-tags',
            '--no-write-fetch-head',
            '--recurse-submodules=no',
            '--filter=blob:none',
            'origin',
            ...oids
        ], deadline);
        if (result.code !== 0)
            throw await this.remoteError('fetch from', result);
    }
    /** Writes a file into the object store (or only hashes it), streaming from disk. */
    async hashObject(file, write) {
        const args = ['hash-object', '--no-filters', ...(write ? ['-w'] : []), '--', file];
        return (await this.ok(args)).trim();
    }
    /**
     * Reads one (small) blob. In a partial clone a blob that is not here yet is fetched on demand
     * from the remote, so this may be a network call; nothing else of the tree is downloaded.
     */
    async readBlob(oid, deadline) {
        const result = await this.network(['cat-file', 'blob', oid], deadline);
        if (result.code !== 0)
            throw await this.remoteError('read a file from', result);
        return result.stdout;
    }
    /** The parents of a commit that is here (the fetched tip of a shallow clone included). */
    async parents(commit) {
        const text = await this.ok(['cat-file', 'commit', commit]);
        const header = text.slice(0, text.indexOf('\n\n'));
        return [...header.matchAll(/^parent ([0-9a-f]+)$/gm)].map(m => m[1]);
    }
    /** The entries of `paths` in the tree of `tip`, a commit id or ref (paths, not contents). */
    async lsTree(tip, paths) {
        const entries = new Map();
        if (paths.length === 0)
            return entries;
        const out = await this.ok(['ls-tree', '-z', '--full-tree', tip, '--', ...paths]);
        for (const record of out.split('\0')) {
            const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(record);
            if (m)
                entries.set(m[4], { mode: m[1], type: m[2], oid: m[3] });
        }
        return entries;
    }
    /**
     * Makes one commit on `tip` (a root commit when there is none) that adds `files`, blobs already
     * in the object store named by id, and `texts`, small files given whole. No checkout and no
     * index: one `git fast-import`, which reads only the trees on the way to the paths it writes.
     */
    async commit(tip, files, texts, message) {
        const ref = 'refs/publish-nix-artifact/commit';
        const stream = fastImportStream({ ref, committer: this.identity, message, tip, files, texts });
        const marks = external_node_path_namespaceObject.join(this.workDir, 'fast-import-marks');
        await this.ok(['fast-import', '--quiet', '--force', '--date-format=now', `--export-marks=${marks}`], { input: stream });
        const commit = /^:1 ([0-9a-f]{40,64})$/m.exec(await promises_namespaceObject.readFile(marks, 'utf8'))?.[1];
        if (!commit)
            throw new Error('git fast-import did not report the commit it made');
        return commit;
    }
    /** Pushes `commit` to the branch, never forcing: a moved branch is a RaceError. */
    async push(commit, branch, deadline) {
        const result = await this.network(['push', '--porcelain', '--no-verify', 'origin', `${commit}:refs/heads/${branch}`], deadline);
        if (result.code === 0)
            return;
        const rejected = result.timedOut ? undefined : pushRejection(branch, result);
        throw rejected ?? (await this.remoteError('push to', result, 'git-receive-pack'));
    }
}

;// CONCATENATED MODULE: ./src/git/plan.ts

/** Every path whose tree entry `planFiles` needs: each file and each directory above it. */
function wantedPaths(files) {
    const wanted = new Set();
    for (const file of files) {
        const parts = file.path.split('/');
        for (let i = 1; i <= parts.length; i++)
            wanted.add(parts.slice(0, i).join('/'));
    }
    return [...wanted];
}
/**
 * Compares what we want to add with what the tip holds (its entries at `wantedPaths`), by object
 * id. Refuses to write through anything that is not a directory in the tip (a symlink, a file, a
 * submodule).
 */
function planFiles(entries, files) {
    const added = [];
    const present = [];
    const conflicting = [];
    for (const file of files) {
        refuseNonDirectories(entries, file.path);
        const existing = entries.get(file.path);
        if (!existing)
            added.push(file);
        else if (existing.oid === file.oid && existing.type === 'blob')
            present.push(file);
        else
            conflicting.push(file);
    }
    return { added, present, conflicting };
}
function refuseNonDirectories(entries, file) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        const entry = entries.get(dir);
        if (!entry || entry.type === 'tree')
            continue;
        const what = entry.mode === '120000'
            ? 'a symbolic link'
            : entry.type === 'commit'
                ? 'a submodule'
                : 'a file';
        throw new errors/* UserError */.yo(`'${dir}' is ${what} in the target branch, not a directory; refusing to write '${file}' through it. Choose another 'path'.`);
    }
}

// EXTERNAL MODULE: ./src/inputs.ts + 2 modules
var inputs = __nccwpck_require__(4793);
;// CONCATENATED MODULE: ./src/manifest.ts

/** `<path>/index.json`: one entry per published file, owned by the action. */
const MANIFEST_NAME = 'index.json';
/** `<path>/README.md`: a human-readable table generated from the manifest. */
const INDEX_NAME = 'README.md';
const GENERATED_MARK = '<!-- generated by publish-nix-artifact from index.json; do not edit -->';
function parseManifest(text, file) {
    if (text === undefined)
        return { version: 1, artifacts: [] };
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch {
        throw new errors/* UserError */.yo(`${file} on the branch is not valid JSON; fix or remove it (the action owns this file and merges into it).`);
    }
    const m = parsed;
    if (!m || m.version !== 1 || !Array.isArray(m.artifacts)) {
        throw new errors/* UserError */.yo(`${file} on the branch is not a publish-nix-artifact manifest (version 1).`);
    }
    return { version: 1, index: m.index, artifacts: m.artifacts };
}
/**
 * Adds an entry for every file that has none; existing entries are kept as they are. The result
 * is sorted by file path, so concurrent publishers that re-apply on a new tip converge.
 */
function mergeManifest(manifest, artifacts, source, now, compression = 'none') {
    const byFile = new Map(manifest.artifacts.map(entry => [entry.file, entry]));
    let added = 0;
    for (const a of artifacts) {
        for (const f of a.files) {
            if (byFile.has(f.path))
                continue;
            byFile.set(f.path, {
                file: f.path,
                format: f.format,
                attribute: a.attribute,
                output: a.output,
                system: a.system,
                storePath: a.storePath,
                narHash: a.narHash,
                narSize: a.narSize,
                fileSize: f.size,
                fileSha256: f.sha256,
                compression: f.format === 'binary-cache' ? compression : 'none',
                source: { repository: source.repository, commit: source.commit, ref: source.ref },
                publishedAt: now.toISOString()
            });
            added++;
        }
    }
    const sorted = [...byFile.values()].sort((a, b) => a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
    return { manifest: { version: 1, index: manifest.index, artifacts: sorted }, added };
}
function renderManifest(manifest) {
    return `${JSON.stringify(manifest, null, 2)}\n`;
}
/** Markdown listing of the manifest, with the consumer command for each format. */
function renderIndex(manifest, dir) {
    const rel = (file) => dir && file.startsWith(`${dir}/`) ? file.slice(dir.length + 1) : file;
    const lines = [
        GENERATED_MARK,
        '',
        '# Published Nix artifacts',
        '',
        `Machine-readable list: [${MANIFEST_NAME}](${MANIFEST_NAME}).`,
        '',
        '- `.nar`: a plain NAR of the store path. `nix-store --restore DIR < FILE`; `nix hash file --sri FILE` equals the NAR hash.',
        "- `.closure`: the store path and its runtime closure in Nix's export format. `nix-store --import < FILE`.",
        "- `cache/`: a Nix binary cache of the closures. Use the directory's URL as a substituter (`nix copy --from URL PATH`), with the signing key's public half in `trusted-public-keys`.",
        '',
        '| File | Format | Attribute | System | Store path | NAR hash | Size | Source |',
        '| --- | --- | --- | --- | --- | --- | ---: | --- |'
    ];
    const cell = (text) => text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
    for (const e of manifest.artifacts) {
        const source = e.source.repository
            ? `${e.source.repository}@${e.source.commit.slice(0, 12)}`
            : 'local';
        lines.push(`| [${cell(rel(e.file))}](${encodeURI(rel(e.file))}) | ${e.format} | \`${cell(e.attribute)}\` | ${e.system} | \`${e.storePath}\` | \`${e.narHash}\` | ${e.fileSize} | ${cell(source)} |`);
    }
    return `${lines.join('\n')}\n`;
}

;// CONCATENATED MODULE: ./src/nix.ts



/** Passed on every `nix` call: the runner's nix.conf may or may not enable them. */
const FEATURES = ['--extra-experimental-features', 'nix-command flakes'];
/** Nix's commands, run as programs: `nix` (with the features it needs) and `nix-store`. */
class Nix {
    log;
    constructor(log) {
        this.log = log;
    }
    nix(args, echo = true, input) {
        const echoed = echo ? (line) => this.log.output(line) : undefined;
        return this.store('nix', [...FEATURES, ...args], { echo: echoed, input });
    }
    /** Runs a Nix program; a missing one means Nix is not installed, whichever it is. */
    store(command, args, options = {}) {
        return run(command, args, options).catch(error => {
            throw error instanceof CommandNotFoundError ? nixMissing() : error;
        });
    }
    /** Runs a Nix program whose output goes to `file` (see runToFile). */
    toFile(command, args, file) {
        return runToFile(command, args, file).catch(error => {
            throw error instanceof CommandNotFoundError ? nixMissing() : error;
        });
    }
    /** `nix (Nix) 2.26.3` → `2.26.3`. Also the check that Nix is installed at all. */
    async version() {
        const result = await this.nix(['--version'], false);
        const m = /(\d+\.\d+(\.\d+)?)/.exec(result.stdout);
        if (result.code !== 0 || !m)
            throw new errors/* UserError */.yo(`'nix --version' failed: ${lastError(result)}`);
        return m[1];
    }
    /**
     * Builds one flake output reference. A GC root under `gcroot` keeps the outputs alive until the
     * work directory is removed, so a concurrent garbage collection cannot delete them mid-export.
     */
    async build(attribute, extraArgs, gcroot) {
        const result = await this.nix([
            'build',
            '--json',
            '--print-build-logs',
            '--out-link',
            gcroot,
            ...extraArgs,
            attribute
        ]);
        if (result.code !== 0)
            throw buildError(attribute, result);
        return parseBuildJson(result.stdout);
    }
    /**
     * The system a derivation builds for, read from the derivation itself: from its store file when
     * it can be read here (no process), otherwise by asking `nix-store --query --binding system`.
     */
    async system(drvPath) {
        const text = await (0,promises_namespaceObject.readFile)(drvPath, 'utf8').catch(() => undefined);
        const fromFile = text === undefined ? undefined : drvSystem(text);
        if (fromFile)
            return fromFile;
        const result = await this.store('nix-store', ['--query', '--binding', 'system', drvPath]);
        if (result.code !== 0) {
            throw new errors/* UserError */.yo(`Could not read the system of ${drvPath}: ${lastError(result)}`);
        }
        return result.stdout.trim();
    }
    async pathInfo(storePath) {
        const result = await this.nix(['path-info', '--json', storePath], false);
        if (result.code !== 0) {
            throw new errors/* UserError */.yo(`'nix path-info' failed for ${storePath}: ${lastError(result)}`);
        }
        return parsePathInfo(result.stdout, storePath);
    }
    /**
     * Writes the plain NAR of `storePath` to `file` (what `nix-store --restore` reads), streaming,
     * and returns its hash and size as computed on the stream. The check against the store's own
     * record of the path (`nix path-info`) runs meanwhile and is returned as `verified`: the caller
     * awaits it before anything is committed, so the query need not hold up the steps in between.
     */
    async dumpNar(storePath, file) {
        const expected = this.pathInfo(storePath);
        // Handled here so that a failure elsewhere first cannot leave it unhandled; awaiting
        // `verified` still raises it.
        expected.catch(() => undefined);
        const dumped = await this.toFile('nix-store', ['--dump', storePath], file);
        if (dumped.code !== 0) {
            throw new errors/* UserError */.yo(`'nix-store --dump ${storePath}' failed: ${lastError(dumped)}`);
        }
        const verified = expected.then(record => {
            if (dumped.sha256 !== record.narHash || dumped.size !== record.narSize) {
                throw new errors/* UserError */.yo(`The NAR of ${storePath} does not match the store's record (got ${dumped.sha256}, ${dumped.size} bytes; expected ${record.narHash}, ${record.narSize} bytes). The store may be corrupt: run 'nix-store --verify-path ${storePath}'.`);
            }
            this.log.debug(`${storePath}: ${dumped.size} bytes, ${dumped.sha256}, as the store records`);
        });
        verified.catch(() => undefined);
        return { narHash: dumped.sha256, narSize: dumped.size, verified };
    }
    /**
     * Copies the store path and its closure into a local binary cache directory with Nix's own
     * `nix copy --to file://DIR?…` (nix-cache-info, <hash>.narinfo, nar/…), signed when a key is given.
     */
    async copyToCache(storePath, dir, options) {
        const params = new URLSearchParams({ compression: options.compression });
        if (options.secretKeyFile)
            params.set('secret-key', options.secretKeyFile);
        const result = await this.nix(['copy', '--to', `file://${dir}?${params.toString()}`, storePath]);
        if (result.code !== 0) {
            throw new errors/* UserError */.yo(`'nix copy' to the binary cache failed for ${storePath}: ${lastError(result)}`);
        }
    }
    /** The public half of a secret key, as `trusted-public-keys` wants it. */
    async publicKey(secretKey) {
        const result = await this.nix(['key', 'convert-secret-to-public'], false, secretKey);
        if (result.code !== 0) {
            throw new errors/* UserError */.yo(`Input 'signing-key' was refused by 'nix key convert-secret-to-public': ${lastError(result)}`);
        }
        return result.stdout.trim();
    }
    /**
     * Writes the store path with its whole runtime closure in Nix's export format
     * (`nix-store --export $(nix-store --query --requisites PATH)`), what `nix-store --import` reads
     * on a machine that has none of the paths. Streamed and hashed like the NAR.
     */
    async exportClosure(storePath, file) {
        const query = await this.store('nix-store', ['--query', '--requisites', storePath]);
        if (query.code !== 0) {
            throw new errors/* UserError */.yo(`Could not list the closure of ${storePath}: ${lastError(query)}`);
        }
        const paths = query.stdout.split('\n').filter(line => line.startsWith('/'));
        const exported = await this.toFile('nix-store', ['--export', ...paths], file);
        if (exported.code !== 0) {
            throw new errors/* UserError */.yo(`'nix-store --export' failed for ${storePath}: ${lastError(exported)}`);
        }
        return { paths, size: exported.size, sha256: exported.sha256 };
    }
}
function nixMissing() {
    return new errors/* UserError */.yo("Nix is not installed or not on PATH. Add a step that installs Nix before this one (for example 'uses: cachix/install-nix-action@v31' or 'uses: DeterminateSystems/nix-installer-action@main').");
}
/** The lines of stderr that say what went wrong, or its last line. */
function lastError(result) {
    const lines = result.stderr.split('\n').map(line => line.trimEnd());
    const start = lines.findIndex(line => /^error\b/.test(line));
    const picked = start === -1 ? lines.filter(Boolean).slice(-3) : lines.slice(start).filter(Boolean);
    return picked.slice(0, 12).join('\n').trim() || 'no error output';
}
function buildError(attribute, result) {
    const detail = lastError(result);
    if (/does not provide attribute|attribute '.*' missing/.test(result.stderr)) {
        return new errors/* UserError */.yo(`The flake has no attribute for '${attribute}'. Check the name with 'nix flake show'. Nix said: ${detail}`);
    }
    if (/experimental Nix feature/.test(result.stderr)) {
        return new errors/* UserError */.yo(`This Nix does not accept the experimental features 'nix-command flakes'; use Nix 2.4 or later. Nix said: ${detail}`);
    }
    return new errors/* UserError */.yo(`'nix build ${attribute}' failed. ${detail}`);
}
/** `nix build --json`: `[{ drvPath, outputs: { out: "/nix/store/…" } }]` in every Nix since 2.4. */
function parseBuildJson(stdout) {
    let parsed;
    try {
        parsed = JSON.parse(stdout);
    }
    catch {
        throw new errors/* UserError */.yo(`'nix build --json' printed something that is not JSON: ${stdout.slice(0, 200)}`);
    }
    const built = [];
    for (const entry of Array.isArray(parsed) ? parsed : []) {
        const e = entry;
        for (const [output, storePath] of Object.entries(e.outputs ?? {})) {
            if (e.drvPath && typeof storePath === 'string') {
                built.push({ drvPath: e.drvPath, output, storePath });
            }
        }
    }
    if (built.length === 0) {
        throw new errors/* UserError */.yo(`'nix build' reported no outputs: ${stdout.slice(0, 200)}`);
    }
    return built;
}
/**
 * `nix path-info --json` is an array of objects with a `path` field up to Nix 2.18 and an object
 * keyed by store path since 2.19; narHash is SRI in both, older stores may give `sha256:<nix32>`.
 */
function parsePathInfo(stdout, storePath) {
    const parsed = JSON.parse(stdout);
    let info;
    if (Array.isArray(parsed)) {
        info = parsed.find((e) => e.path === storePath) ?? parsed[0];
    }
    else if (parsed && typeof parsed === 'object') {
        info = parsed[storePath];
    }
    if (!info || typeof info.narHash !== 'string' || typeof info.narSize !== 'number') {
        throw new errors/* UserError */.yo(`'nix path-info --json' did not describe ${storePath}: ${stdout.slice(0, 200)}`);
    }
    return { narHash: toSri(info.narHash), narSize: info.narSize };
}
/**
 * The platform field of a derivation file, Nix's ATerm form
 * `Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])`: the first string
 * after three lists. Undefined for anything else (the caller then asks Nix).
 */
function drvSystem(text) {
    if (!text.startsWith('Derive('))
        return undefined;
    let i = 'Derive('.length;
    /** Index just past the string that starts at `at` (a `"`), honouring backslash escapes. */
    const skipString = (at) => {
        for (let j = at + 1; j < text.length; j++) {
            if (text[j] === '\\')
                j++;
            else if (text[j] === '"')
                return j + 1;
        }
        return -1;
    };
    for (let list = 0; list < 3; list++) {
        if (text[i] !== '[')
            return undefined;
        let depth = 0;
        while (i < text.length) {
            const c = text[i];
            if (c === '"') {
                i = skipString(i);
                if (i < 0)
                    return undefined;
                continue;
            }
            i++;
            if (c === '[' || c === '(')
                depth++;
            else if ((c === ']' || c === ')') && --depth === 0)
                break;
        }
        if (depth !== 0 || text[i] !== ',')
            return undefined;
        i++;
    }
    if (text[i] !== '"')
        return undefined;
    const end = skipString(i);
    if (end < 0)
        return undefined;
    const system = text.slice(i + 1, end - 1);
    // Systems are plain words (x86_64-linux, aarch64-darwin); anything else is not trusted here.
    return /^[A-Za-z0-9_.-]+$/.test(system) ? system : undefined;
}
const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';
/** `sha256-<base64>` stays; `sha256:<hex|nix32|base64>` is converted. */
function toSri(hash) {
    if (/^sha256-[A-Za-z0-9+/]{43}=$/.test(hash))
        return hash;
    const m = /^sha256:(.+)$/.exec(hash);
    if (!m)
        throw new errors/* UserError */.yo(`Unexpected NAR hash format: ${hash}`);
    const body = m[1];
    let bytes;
    if (/^[0-9a-f]{64}$/.test(body))
        bytes = Buffer.from(body, 'hex');
    else if (body.length === 52 && [...body].every(c => NIX32.includes(c)))
        bytes = nix32Decode(body);
    else
        bytes = Buffer.from(body, 'base64');
    if (bytes.length !== 32)
        throw new errors/* UserError */.yo(`Unexpected NAR hash format: ${hash}`);
    return `sha256-${bytes.toString('base64')}`;
}
/** Nix's base-32: least significant digit last, 5 bits each, over a little-endian byte string. */
function nix32Decode(text) {
    const bytes = Buffer.alloc(32);
    for (let n = 0; n < text.length; n++) {
        const digit = NIX32.indexOf(text[text.length - n - 1]);
        const b = n * 5;
        const i = b >> 3;
        const j = b & 7;
        bytes[i] |= (digit << j) & 0xff;
        if (i + 1 < 32)
            bytes[i + 1] |= digit >> (8 - j);
    }
    return bytes;
}

;// CONCATENATED MODULE: ./src/retry.ts

const DEFAULT_RETRY = {
    attempts: 6,
    raceAttempts: 12,
    baseDelayMs: 250,
    maxDelayMs: 5000,
    timeoutMs: 30 * 60 * 1000
};
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms));
/**
 * Runs `fn` until it succeeds, retrying RaceError and TransientError with full-jitter exponential
 * back-off, each kind within its own budget; any other error (authentication, not found, refused
 * by a hook) ends it at once. Each attempt is given the deadline of the whole operation (epoch
 * ms), which the processes it starts must not outlive; no attempt starts after it.
 */
async function withRetries(what, policy, log, fn) {
    const deadline = Date.now() + policy.timeoutMs;
    let races = 0;
    let failures = 0;
    for (let attempt = 1;; attempt++) {
        try {
            return await fn(attempt, deadline);
        }
        catch (error) {
            const race = error instanceof errors/* RaceError */.CL;
            if (!race && !(error instanceof errors/* TransientError */.N_))
                throw error;
            if (race)
                races++;
            else
                failures++;
            if (race && races >= policy.raceAttempts) {
                throw new errors/* TransientError */.N_(`Gave up after ${attempt} attempts to ${what}: ${(0,errors/* errorMessage */.gJ)(error)}, ${races} times. Another publisher is pushing to the same branch very often; run again.`);
            }
            if (!race && failures >= policy.attempts) {
                throw new errors/* TransientError */.N_(`Gave up after ${attempt} attempts to ${what}. Last error: ${(0,errors/* errorMessage */.gJ)(error)}`);
            }
            const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
            const delay = Math.round(Math.random() * ceiling);
            if (Date.now() + delay >= deadline) {
                throw new errors/* TimeoutError */.MU(`Gave up after ${attempt} attempts to ${what}: the ${seconds(policy.timeoutMs)} that 'network-timeout' allows are over. Last error: ${(0,errors/* errorMessage */.gJ)(error)}`);
            }
            const budget = race
                ? `up to ${policy.raceAttempts} while the branch keeps moving`
                : `up to ${policy.attempts} while the server keeps failing`;
            log.info(`${race ? 'Branch moved' : 'Temporary failure'} (${(0,errors/* errorMessage */.gJ)(error)}); retrying to ${what} in ${delay} ms (attempt ${attempt + 1}, ${budget}).`);
            await sleep(delay);
        }
    }
}
function seconds(ms) {
    return `${Math.round(ms / 1000)} s`;
}

// EXTERNAL MODULE: ./src/template.ts
var template = __nccwpck_require__(5237);
;// CONCATENATED MODULE: ./src/workdir.ts



/**
 * Runs `fn` with a private work directory under `parent` (RUNNER_TEMP on a runner) and removes it
 * afterwards, whatever happens: on success, on error, and when the job is cancelled (SIGINT,
 * SIGTERM). On cancellation the running git and Nix processes are stopped first and waited for,
 * so that none of them writes into the directory (or makes a GC root) after it was removed.
 */
async function withWorkDir(parent, fn) {
    const dir = (0,external_node_fs_.mkdtempSync)(external_node_path_namespaceObject.join(parent, 'publish-nix-artifact-'));
    const remove = () => (0,external_node_fs_.rmSync)(dir, { recursive: true, force: true, maxRetries: 3 });
    let cancelling;
    const onSignal = (signal) => {
        cancelling = cancelAll(signal).finally(() => {
            remove();
            // The pipeline now fails with a CancelledError and reports it; if anything still holds the
            // process (a back-off sleep), it ends anyway.
            setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), 1000).unref();
        });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
        return await fn(dir);
    }
    finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        await cancelling;
        remove();
    }
}

;// CONCATENATED MODULE: ./src/publish.ts













/**
 * The whole job in a private work directory: check the remote, build, export, plan, commit and
 * push, report. Nothing is pushed unless every artifact was built, exported and checked.
 */
async function publish(config, log) {
    const retry = { ...DEFAULT_RETRY, timeoutMs: config.network.timeoutSeconds * 1000 };
    return withWorkDir(config.tempDir, work => {
        const identity = { name: config.gitUserName, email: config.gitUserEmail };
        const git = new Git(config.repository, config.token, work, identity, log, config.network);
        return new Publisher({ config, git, nix: new Nix(log), work, log, retry }).run();
    });
}
/** The publishing pipeline over a git and a Nix port. Each phase is one method. */
class Publisher {
    d;
    /** Work started in the background; awaited before the work directory may go. */
    pending = [];
    /** Resolve when each exported NAR was found equal to the store's record of its path. */
    verifications = [];
    constructor(d) {
        this.d = d;
    }
    async run() {
        const { config, nix, log } = this.d;
        try {
            // `nix --version` (also the check that Nix is there) runs while the remote is asked.
            const nixVersion = this.start(nix.version());
            const remote = await this.checkRemote();
            log.info(`Using Nix ${await nixVersion.get()}.`);
            const built = await this.build();
            const cache = await prepareBinaryCache(config, nix, this.d.work);
            const exported = await log.group('Exporting', () => this.exportAll(built, cache));
            const extra = cache ? await this.cacheFiles(cache) : [];
            const outcome = await log.group(config.dryRun
                ? 'Dry run: what would be committed'
                : `Publishing to '${remote.state.branch}'`, () => this.commitAndPush(remote, exported, extra));
            const binaryCacheDir = cache && extra.length > 0 ? cache.repoDir : '';
            return { ...outcome, binaryCacheDir, publicKey: cache?.publicKey ?? '' };
        }
        finally {
            // Never remove the work directory under a fetch that is still writing into it, nor leave a
            // remote check retrying after a setup error.
            await Promise.all(this.pending.map(work => work.done));
        }
    }
    start(promise) {
        const work = background(promise);
        this.pending.push(work);
        return work;
    }
    /** Phase 1: the remote answers and the token works, before anything is built. */
    checkRemote() {
        const { config, git, log, retry } = this.d;
        return log.group(`Checking ${config.repository.url}`, async () => {
            // ls-remote needs no repository: it is under way while the private one is set up.
            const reach = this.start(withRetries('reach the repository', retry, log, (_attempt, deadline) => git.remoteState(deadline, config.branch)));
            await git.init();
            if (config.branch)
                await git.checkBranchName(config.branch);
            // The tip is fetched while the remote is asked and Nix builds; it is used only if it is the
            // tip that ls-remote reports (see firstTip).
            const deadline = Date.now() + retry.timeoutMs;
            const firstTip = this.start(this.fetchTipState(deadline, config.branch));
            const state = await reach.get();
            log.info(state.tip
                ? `Branch '${state.branch}' is at ${state.tip}.`
                : `Branch '${state.branch}' does not exist yet; it will be created.`);
            return { state, firstTip };
        });
    }
    /** Phase 2: every attribute built, each output with a GC root in the work directory. */
    async build() {
        const { config, nix, log, work } = this.d;
        const relaxed = (0,inputs/* relaxingOptions */.r6)(config.nixBuildArgs);
        if (relaxed.length > 0) {
            log.warning(`nix-build-args loosens Nix's security settings (${relaxed.join(', ')}); they are used because the workflow sets them.`);
        }
        const built = [];
        for (const [i, attribute] of config.attributes.entries()) {
            await log.group(`Building ${attribute}`, async () => {
                const gcroot = external_node_path_namespaceObject.join(work, 'gcroots', `attr-${i}`);
                for (const output of await nix.build(attribute, config.nixBuildArgs, gcroot)) {
                    built.push({ ...output, attribute });
                    log.info(`${attribute} (${output.output}) → ${output.storePath}`);
                }
            });
        }
        return built;
    }
    /** Phase 3: each store path written once in every format, hashed, and stored as a blob. */
    async exportAll(built, cache) {
        const byPath = new Map();
        const result = [];
        for (const b of built) {
            const done = byPath.get(b.storePath);
            const entry = done
                ? { ...done, attribute: b.attribute, output: b.output }
                : await this.exportOne(b, cache);
            byPath.set(b.storePath, done ?? entry);
            result.push(entry);
        }
        return result;
    }
    async exportOne(b, cache) {
        const { config, nix, git, log, work } = this.d;
        const local = external_node_path_namespaceObject.join(work, (0,naming/* storeBasename */.UF)(b.storePath));
        const started = Date.now();
        // The derivation's system is read while the NAR is written.
        const [system, info] = await Promise.all([
            nix.system(b.drvPath),
            config.formats.includes('nar') ? this.dumpNar(b.storePath, local) : nix.pathInfo(b.storePath)
        ]);
        log.info(`Exported ${b.storePath} [${system}]: ${info.narSize} bytes, ${info.narHash} (export and hash ${Date.now() - started} ms).`);
        const files = [];
        for (const format of config.formats) {
            if (format === 'binary-cache') {
                if (!cache)
                    throw new Error('the binary cache was not prepared');
                files.push(await addToCache(cache, b.storePath, { nix, git }, !config.dryRun));
                continue;
            }
            const { size, sha256 } = format === 'closure'
                ? await this.exportClosure(b, local)
                : { size: info.narSize, sha256: info.narHash };
            const file = (0,naming/* artifactFilePath */.Es)(config.path, system, b.storePath, format);
            checkSize(config, file, size, log);
            const oid = await git.hashObject(`${local}${naming/* EXTENSIONS */.Z1[format]}`, !config.dryRun);
            files.push({ format, path: file, size, sha256, oid });
        }
        const { attribute, output, storePath } = b;
        const { narHash, narSize } = info;
        return { attribute, output, storePath, system, file: files[0].path, files, narHash, narSize };
    }
    /** The NAR, hashed on the way; its check against the store runs on and is awaited later. */
    async dumpNar(storePath, local) {
        const dumped = await this.d.nix.dumpNar(storePath, `${local}${naming/* EXTENSIONS */.Z1.nar}`);
        this.verifications.push(dumped.verified);
        return { narHash: dumped.narHash, narSize: dumped.narSize };
    }
    async exportClosure(b, local) {
        const closure = await this.d.nix.exportClosure(b.storePath, `${local}${naming/* EXTENSIONS */.Z1.closure}`);
        this.d.log.info(`Exported the closure of ${b.storePath}: ${closure.paths.length} paths, ${closure.size} bytes.`);
        return { size: closure.size, sha256: closure.sha256 };
    }
    /** The binary cache's files, size-checked like every other file. */
    async cacheFiles(cache) {
        const { config, git, log } = this.d;
        const files = await cacheFiles(cache, git, !config.dryRun);
        for (const file of files)
            checkSize(config, file.path, file.size, log);
        return files.map(({ path: file, oid }) => ({ path: file, oid }));
    }
    /**
     * Phases 4 and 5, retried as a whole: plan against the tip, commit, push. A rejected push (the
     * branch moved) or a server failure fetches the new tip and applies the files again.
     */
    commitAndPush(remote, exported, cache) {
        const { retry, log } = this.d;
        const branch = remote.state.branch;
        // The last commit pushed: if its answer was lost, the next attempt finds it on the branch.
        let pushed;
        return withRetries(`publish to '${branch}'`, retry, log, async (attempt, deadline) => {
            const state = attempt === 1
                ? await this.firstTip(remote, deadline)
                : await this.fetchTipState(deadline, branch);
            if (pushed && (await this.landed(state.tip, pushed.commit))) {
                log.info(`${pushed.commit} is on '${branch}': the last push landed, only its answer was lost.`);
                return this.outcome(exported, {
                    branch,
                    commitSha: pushed.commit,
                    added: pushed.added,
                    published: true
                });
            }
            const plan = await this.plan(state.tip, artifactFiles(exported), cache, branch);
            const owned = await this.ownedFiles(state, exported, plan, deadline);
            // Nothing is committed, nor reported as publishable, before every NAR was found equal to
            // the store's record of its path; that check has been running since the export.
            await Promise.all(this.verifications);
            const added = new Set(plan.added.map(f => f.path));
            if (added.size === 0 && owned.length === 0) {
                log.info('Nothing to commit: every file is already published.');
                return this.outcome(exported, {
                    branch,
                    commitSha: state.tip ?? '',
                    added,
                    published: false
                });
            }
            const message = (0,template/* commitMessage */.df)(this.d.config.commitMessage, exported.filter(a => a.files.some(f => added.has(f.path))), this.d.config.source);
            if (this.d.config.dryRun) {
                this.describe(plan, owned, message);
                return this.outcome(exported, {
                    branch,
                    commitSha: state.tip ?? '',
                    added,
                    published: false
                });
            }
            const commit = await this.d.git.commit(state.tip, [...plan.added], owned, message);
            pushed = { commit, added };
            await this.d.git.push(commit, branch, deadline);
            log.info(`Pushed ${commit} to '${branch}' with ${plan.added.length} new file(s) and ${owned.length} updated index file(s).`);
            return this.outcome(exported, { branch, commitSha: commit, added, published: true });
        });
    }
    /** Phase 4: which files are new, already there, or there with other content. */
    async plan(tip, files, cache, branch) {
        const { git, log } = this.d;
        const entries = tip ? await git.lsTree(tip, wantedPaths([...files, ...cache])) : new Map();
        const plan = planFiles(entries, files);
        for (const file of plan.present)
            log.info(`${file.path} is already on '${branch}' (same content).`);
        for (const file of plan.conflicting) {
            log.warning(`${file.path} is already on '${branch}' with different content (the build is not reproducible, or the file was changed by hand); the existing file was left as it is.`);
        }
        // Binary cache files are content-addressed by name: one that exists is never rewritten, even
        // if this run would write it differently (another signature or compression).
        const cached = planFiles(entries, cache);
        const kept = [...cached.present, ...cached.conflicting];
        if (kept.length > 0) {
            log.info(`${kept.length} binary cache file(s) already on '${branch}' were kept as they are.`);
        }
        return {
            added: [...plan.added, ...cached.added],
            present: [...plan.present, ...kept],
            conflicting: plan.conflicting
        };
    }
    describe(plan, owned, message) {
        const { log } = this.d;
        for (const file of plan.added)
            log.info(`Would write ${file.path} (${file.oid}).`);
        for (const file of owned) {
            log.info(`Would write ${file.path} (${Buffer.byteLength(file.text)} bytes, regenerated).`);
        }
        log.info(`Would commit with this message:\n${message}`);
    }
    /** Whether `commit` is the tip or the tip's parent (another publisher may have landed since). */
    async landed(tip, commit) {
        if (!tip)
            return false;
        return tip === commit || (await this.d.git.parents(tip)).includes(commit);
    }
    /** Phase 6: what the run did, per artifact and as a whole. */
    outcome(exported, result) {
        const { branch, commitSha, added, published } = result;
        const repository = this.d.config.repository;
        const artifacts = exported.map((a) => ({
            ...a,
            files: a.files.map(({ oid: _oid, ...f }) => f),
            published: a.files.some(f => added.has(f.path)),
            url: (0,naming/* fileUrl */.iw)(repository, commitSha, a.file)
        }));
        return { artifacts, branch, commitSha, published, dryRun: this.d.config.dryRun };
    }
    /**
     * The files the action owns next to the artifacts: the manifest (`index.json`), merged with the
     * tip's copy, and the README generated from it. Empty when the manifest already lists every file.
     */
    async ownedFiles(state, exported, plan, deadline) {
        const { config, git, log } = this.d;
        const ours = new Set([...plan.added, ...plan.present].map(f => f.path));
        const artifacts = exported.map(a => ({ ...a, files: a.files.filter(f => ours.has(f.path)) }));
        const manifestFile = (0,naming/* repoPath */.qN)(config.path, MANIFEST_NAME);
        const indexFile = (0,naming/* repoPath */.qN)(config.path, INDEX_NAME);
        const existing = parseManifest(state.manifest, manifestFile);
        const merged = mergeManifest(existing, artifacts, config.source, new Date(), config.compression);
        if (merged.added === 0)
            return [];
        // Decided once, when the manifest is created: later runs need not read the README.
        const readme = existing.index || state.index?.type !== 'blob'
            ? undefined
            : await git.readBlob(state.index.oid, deadline);
        const index = existing.index ??
            (readme === undefined || readme.startsWith(GENERATED_MARK) ? 'generated' : 'kept');
        const manifest = { ...merged.manifest, index };
        const owned = [{ path: manifestFile, text: renderManifest(manifest) }];
        if (index === 'generated') {
            owned.push({ path: indexFile, text: renderIndex(manifest, config.path) });
        }
        else {
            log.warning(`${indexFile} was not generated by this action; it is left as it is.`);
        }
        return owned;
    }
    /** The tip of `branch` (the default branch if none), with the two small files read from it. */
    async fetchTipState(deadline, branch) {
        const { config, git } = this.d;
        const ref = await git.fetchTip(deadline, branch);
        if (!ref)
            return {};
        const manifestFile = (0,naming/* repoPath */.qN)(config.path, MANIFEST_NAME);
        const indexFile = (0,naming/* repoPath */.qN)(config.path, INDEX_NAME);
        const [tip, entries] = await Promise.all([
            git.commitId(ref),
            git.lsTree(ref, [manifestFile, indexFile])
        ]);
        const manifest = entries.get(manifestFile);
        const index = entries.get(indexFile);
        // Both are downloaded now, in one request: the manifest is merged into, and both are the
        // previous versions that `git push` looks up as delta bases for the files it rewrites (without
        // them here, it would download each one on its own while pushing).
        const blobs = [manifest, index].filter((e) => e?.type === 'blob');
        await git.fetchBlobs(blobs.map(e => e.oid), deadline);
        const text = manifest?.type === 'blob' ? await git.readBlob(manifest.oid, deadline) : undefined;
        return { tip, manifest: text, index };
    }
    /**
     * The state for the first attempt: the one fetched in the background if it is the tip that
     * ls-remote reported (it was fetched before the default branch was known, and the branch may
     * have moved in between), otherwise fetched again now. A failed background fetch is not an
     * error of its own: the fetch is simply made again, with its own retries.
     */
    async firstTip(remote, deadline) {
        const settled = await remote.firstTip.done;
        if (settled.ok && settled.value.tip === remote.state.tip)
            return settled.value;
        return this.fetchTipState(deadline, remote.state.branch);
    }
}
function checkSize(config, file, size, log) {
    const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    if (size > config.maxFileSize) {
        throw new errors/* UserError */.yo(`${file} is ${mib(size)} (${size} bytes), over max-file-size ${mib(config.maxFileSize)}; nothing was pushed. Git hosts reject large files (GitHub: 100 MiB). Publish a smaller output, or raise 'max-file-size' if your host accepts larger files.`);
    }
    if (size > config.warnFileSize) {
        log.warning(`${file} is ${mib(size)}: GitHub warns above 50 MiB and refuses files over 100 MiB; consider a smaller output.`);
    }
}
/** The files that are the artifacts themselves, once each (the binary cache is planned apart). */
function artifactFiles(exported) {
    const seen = new Map();
    for (const f of exported.flatMap(a => a.files).filter(f => f.format !== 'binary-cache')) {
        if (!seen.has(f.path))
            seen.set(f.path, { path: f.path, oid: f.oid });
    }
    return [...seen.values()];
}


/***/ }),

/***/ 665:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   V: () => (/* binding */ outputs),
/* harmony export */   e: () => (/* binding */ summaryMarkdown)
/* harmony export */ });
/* harmony import */ var _naming_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(8499);

/** The step's outputs, as name → value. Per-artifact fields are set when there is exactly one. */
function outputs(result) {
    const out = {
        'commit-sha': result.commitSha,
        published: String(result.published),
        branch: result.branch,
        'binary-cache-dir': result.binaryCacheDir,
        'public-key': result.publicKey,
        artifacts: JSON.stringify(result.artifacts.map(a => ({
            attribute: a.attribute,
            output: a.output,
            'store-path': a.storePath,
            system: a.system,
            file: a.file,
            'nar-hash': a.narHash,
            'nar-size': a.narSize,
            url: a.url,
            published: a.published,
            files: a.files.map(f => ({
                format: f.format,
                file: f.path,
                size: f.size,
                sha256: f.sha256
            }))
        })))
    };
    if (result.artifacts.length === 1) {
        const [a] = result.artifacts;
        Object.assign(out, {
            'store-path': a.storePath,
            system: a.system,
            file: a.file,
            'nar-hash': a.narHash,
            'nar-size': String(a.narSize),
            url: a.url
        });
    }
    return out;
}
const code = (text) => `\`${text.replace(/`/g, "'")}\``;
const cell = (text) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Markdown for the job summary: a table of the artifacts and how a consumer restores each. */
function summaryMarkdown(result, config) {
    const lines = [];
    const title = result.dryRun
        ? 'Dry run: nothing was pushed'
        : result.published
            ? `Published to \`${result.branch}\` at ${code(result.commitSha.slice(0, 12))}`
            : `Already published: nothing to push to \`${result.branch}\``;
    lines.push(`### publish-nix-artifact: ${title}`, '');
    lines.push(`Repository: ${config.repository.url}`, '');
    lines.push('| Attribute | System | Store path | NAR hash | Size | File | New |');
    lines.push('| --- | --- | --- | --- | ---: | --- | :---: |');
    for (const a of result.artifacts) {
        const file = a.url ? `[${cell(a.file)}](${a.url})` : code(a.file);
        lines.push(`| ${code(cell(a.attribute))} | ${a.system} | ${code(a.storePath)} | ${code(a.narHash)} | ${a.narSize} | ${file} | ${a.published ? 'yes' : 'no'} |`);
    }
    lines.push('', '#### Restore', '');
    lines.push("A `.nar` file is a plain NAR of its store path: restore it with `nix-store --restore`; its hash (`nix hash file`) equals the NAR hash above. A `.closure` file holds the store path and its runtime closure in Nix's export format: `nix-store --import` adds them all to a store.", '');
    lines.push('```sh');
    for (const a of result.artifacts) {
        for (const f of a.files.filter(file => file.format !== 'binary-cache')) {
            const name = f.path.split('/').pop() ?? f.path;
            const raw = (0,_naming_js__WEBPACK_IMPORTED_MODULE_0__/* .rawUrl */ .IU)(config.repository, result.commitSha, f.path);
            if (raw)
                lines.push(`curl -fsSLo ${name} ${raw}`);
            else
                lines.push(`# from a clone of ${config.repository.url}: cp ${f.path} .`);
            if (f.format === 'nar') {
                lines.push(`nix --extra-experimental-features nix-command hash file --sri ${name}  # ${a.narHash}`);
                lines.push(`nix-store --restore ./${name.replace(/\.nar$/, '')} < ${name}`);
            }
            else if (f.format === 'closure') {
                lines.push(`nix-store --import < ${name}  # adds ${a.storePath} and its dependencies`);
            }
        }
    }
    lines.push('```', '');
    if (result.binaryCacheDir) {
        const url = (0,_naming_js__WEBPACK_IMPORTED_MODULE_0__/* .rawUrl */ .IU)(config.repository, result.branch, result.binaryCacheDir) ||
            `<URL where ${result.binaryCacheDir} of ${config.repository.url} is served>`;
        lines.push('#### Binary cache', '');
        lines.push(`The closure is in a Nix binary cache at \`${result.binaryCacheDir}\`. In \`nix.conf\`:`, '');
        lines.push('```ini', `extra-substituters = ${url}`);
        lines.push(result.publicKey
            ? `extra-trusted-public-keys = ${result.publicKey}`
            : '# unsigned cache: sign it with the signing-key input, or copy with --no-check-sigs');
        lines.push('```', '');
    }
    return lines.join('\n');
}


/***/ }),

/***/ 7194:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   E$: () => (/* binding */ redact),
/* harmony export */   eo: () => (/* binding */ secretForms)
/* harmony export */ });
/* unused harmony export signingKeyForms */
/* harmony import */ var _git_auth_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(5768);

/** The parts of a Nix secret key (`NAME:BASE64`) that must not be shown: the key and its secret. */
function signingKeyForms(key) {
    const trimmed = key.trim();
    if (!trimmed)
        return [];
    const secret = trimmed.split(':').slice(1).join(':');
    return secret ? [trimmed, secret] : [trimmed];
}
/** Every string that must never be shown: the token's forms and the signing key's. */
function secretForms(token, signingKey) {
    return [...(0,_git_auth_js__WEBPACK_IMPORTED_MODULE_0__/* .tokenForms */ .py)(token), ...signingKeyForms(signingKey)];
}
/** Replaces each of `secrets` in `text` with `***`: the last line of defence for our own messages. */
function redact(text, secrets) {
    return secrets
        .filter(secret => secret !== '')
        .reduce((t, secret) => t.split(secret).join('***'), text);
}


/***/ }),

/***/ 5237:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Kb: () => (/* binding */ DEFAULT_COMMIT_MESSAGE),
/* harmony export */   dC: () => (/* binding */ validateTemplate),
/* harmony export */   df: () => (/* binding */ commitMessage)
/* harmony export */ });
/* unused harmony exports placeholderValues, renderTemplate */
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3916);

const DEFAULT_COMMIT_MESSAGE = [
    'Publish {attribute} ({system})',
    '',
    'Store path: {store-path}',
    'File: {file}',
    'NAR hash: {nar-hash}',
    'Source: {source}'
].join('\n');
const PLACEHOLDERS = [
    'attribute',
    'output',
    'name',
    'system',
    'file',
    'store-path',
    'nar-hash',
    'nar-size',
    'source',
    'source-repository',
    'source-commit',
    'source-ref'
];
const PATTERN = /\{([a-z-]+)\}/g;
/** Fails on placeholders the action does not know, so a typo is caught before the build. */
function validateTemplate(template) {
    for (const match of template.matchAll(PATTERN)) {
        if (!PLACEHOLDERS.includes(match[1])) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo(`Input 'commit-message' uses an unknown placeholder {${match[1]}}; known ones: ${PLACEHOLDERS.map(p => `{${p}}`).join(' ')}.`);
        }
    }
}
/**
 * Values are flattened to one line: a value (a tag name, an attribute) can never add lines, and so
 * can never add a trailer such as `Signed-off-by:` or `Co-authored-by:` to the message.
 */
function flatten(value) {
    // eslint-disable-next-line no-control-regex
    return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}
function placeholderValues(artifact, source) {
    const base = artifact.storePath.split('/').pop() ?? '';
    const sourceText = source.repository
        ? `${source.repository}@${source.commit || 'unknown'}${source.ref ? ` (${source.ref})` : ''}`
        : 'local';
    return {
        attribute: artifact.attribute,
        output: artifact.output,
        name: base.replace(/^[0-9a-z]{32}-/, ''),
        system: artifact.system,
        file: artifact.file,
        'store-path': artifact.storePath,
        'nar-hash': artifact.narHash,
        'nar-size': String(artifact.narSize),
        source: sourceText,
        'source-repository': source.repository,
        'source-commit': source.commit,
        'source-ref': source.ref
    };
}
function renderTemplate(template, artifact, source) {
    const values = placeholderValues(artifact, source);
    return template.replace(PATTERN, (whole, key) => key in values ? flatten(values[key]) : whole);
}
/**
 * One artifact: the rendered template. Several: a subject that counts them, then each artifact's
 * rendered template as a paragraph, so that one commit records all of them.
 */
function commitMessage(template, artifacts, source) {
    const rendered = artifacts.map(a => renderTemplate(template, a, source).trim());
    const text = rendered.length === 1
        ? rendered[0]
        : [`Publish ${rendered.length} Nix artifacts`, ...rendered].join('\n\n');
    return `${text}\n`;
}


/***/ }),

/***/ 2613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 8611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 5692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 4589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 7540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 8474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 7030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 3429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 5919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 90:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   H8: () => (/* binding */ IS_WINDOWS),
/* harmony export */   Qh: () => (/* binding */ isRooted),
/* harmony export */   t2: () => (/* binding */ exists),
/* harmony export */   vr: () => (/* binding */ tryGetExecutablePath)
/* harmony export */ });
/* unused harmony exports chmod, copyFile, lstat, mkdir, open, readdir, rename, rm, rmdir, stat, symlink, unlink, readlink, UV_FS_O_EXLOCK, READONLY, isDirectory, getCmdPath */
/* harmony import */ var fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(9896);
/* harmony import */ var path__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(6928);
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { chmod, copyFile, lstat, mkdir, open, readdir, rename, rm, rmdir, stat, symlink, unlink } = fs__WEBPACK_IMPORTED_MODULE_0__.promises;
// export const {open} = 'fs'
const IS_WINDOWS = process.platform === 'win32';
/**
 * Custom implementation of readlink to ensure Windows junctions
 * maintain trailing backslash for backward compatibility with Node.js < 24
 *
 * In Node.js 20, Windows junctions (directory symlinks) always returned paths
 * with trailing backslashes. Node.js 24 removed this behavior, which breaks
 * code that relied on this format for path operations.
 *
 * This implementation restores the Node 20 behavior by adding a trailing
 * backslash to all junction results on Windows.
 */
function readlink(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        const result = yield fs.promises.readlink(fsPath);
        // On Windows, restore Node 20 behavior: add trailing backslash to all results
        // since junctions on Windows are always directory links
        if (IS_WINDOWS && !result.endsWith('\\')) {
            return `${result}\\`;
        }
        return result;
    });
}
// See https://github.com/nodejs/node/blob/d0153aee367422d0858105abec186da4dff0a0c5/deps/uv/include/uv/win.h#L691
const UV_FS_O_EXLOCK = 0x10000000;
const READONLY = fs__WEBPACK_IMPORTED_MODULE_0__.constants.O_RDONLY;
function exists(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        try {
            yield stat(fsPath);
        }
        catch (err) {
            if (err.code === 'ENOENT') {
                return false;
            }
            throw err;
        }
        return true;
    });
}
function isDirectory(fsPath_1) {
    return __awaiter(this, arguments, void 0, function* (fsPath, useStat = false) {
        const stats = useStat ? yield stat(fsPath) : yield lstat(fsPath);
        return stats.isDirectory();
    });
}
/**
 * On OSX/Linux, true if path starts with '/'. On Windows, true for paths like:
 * \, \hello, \\hello\share, C:, and C:\hello (and corresponding alternate separator cases).
 */
function isRooted(p) {
    p = normalizeSeparators(p);
    if (!p) {
        throw new Error('isRooted() parameter "p" cannot be empty');
    }
    if (IS_WINDOWS) {
        return (p.startsWith('\\') || /^[A-Z]:/i.test(p) // e.g. \ or \hello or \\hello
        ); // e.g. C: or C:\hello
    }
    return p.startsWith('/');
}
/**
 * Best effort attempt to determine whether a file exists and is executable.
 * @param filePath    file path to check
 * @param extensions  additional file extensions to try
 * @return if file exists and is executable, returns the file path. otherwise empty string.
 */
function tryGetExecutablePath(filePath, extensions) {
    return __awaiter(this, void 0, void 0, function* () {
        let stats = undefined;
        try {
            // test file exists
            stats = yield stat(filePath);
        }
        catch (err) {
            if (err.code !== 'ENOENT') {
                // eslint-disable-next-line no-console
                console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
            }
        }
        if (stats && stats.isFile()) {
            if (IS_WINDOWS) {
                // on Windows, test for valid extension
                const upperExt = path__WEBPACK_IMPORTED_MODULE_1__.extname(filePath).toUpperCase();
                if (extensions.some(validExt => validExt.toUpperCase() === upperExt)) {
                    return filePath;
                }
            }
            else {
                if (isUnixExecutable(stats)) {
                    return filePath;
                }
            }
        }
        // try each extension
        const originalFilePath = filePath;
        for (const extension of extensions) {
            filePath = originalFilePath + extension;
            stats = undefined;
            try {
                stats = yield stat(filePath);
            }
            catch (err) {
                if (err.code !== 'ENOENT') {
                    // eslint-disable-next-line no-console
                    console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
                }
            }
            if (stats && stats.isFile()) {
                if (IS_WINDOWS) {
                    // preserve the case of the actual file (since an extension was appended)
                    try {
                        const directory = path__WEBPACK_IMPORTED_MODULE_1__.dirname(filePath);
                        const upperName = path__WEBPACK_IMPORTED_MODULE_1__.basename(filePath).toUpperCase();
                        for (const actualName of yield readdir(directory)) {
                            if (upperName === actualName.toUpperCase()) {
                                filePath = path__WEBPACK_IMPORTED_MODULE_1__.join(directory, actualName);
                                break;
                            }
                        }
                    }
                    catch (err) {
                        // eslint-disable-next-line no-console
                        console.log(`Unexpected error attempting to determine the actual case of the file '${filePath}': ${err}`);
                    }
                    return filePath;
                }
                else {
                    if (isUnixExecutable(stats)) {
                        return filePath;
                    }
                }
            }
        }
        return '';
    });
}
function normalizeSeparators(p) {
    p = p || '';
    if (IS_WINDOWS) {
        // convert slashes on Windows
        p = p.replace(/\//g, '\\');
        // remove redundant slashes
        return p.replace(/\\\\+/g, '\\');
    }
    // remove redundant slashes
    return p.replace(/\/\/+/g, '/');
}
// on Mac/Linux, test the execute bit
//     R   W  X  R  W X R W X
//   256 128 64 32 16 8 4 2 1
function isUnixExecutable(stats) {
    return ((stats.mode & 1) > 0 ||
        ((stats.mode & 8) > 0 &&
            process.getgid !== undefined &&
            stats.gid === process.getgid()) ||
        ((stats.mode & 64) > 0 &&
            process.getuid !== undefined &&
            stats.uid === process.getuid()));
}
// Get the path of cmd.exe in windows
function getCmdPath() {
    var _a;
    return (_a = process.env['COMSPEC']) !== null && _a !== void 0 ? _a : `cmd.exe`;
}
//# sourceMappingURL=io-util.js.map

/***/ }),

/***/ 8701:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   K7: () => (/* binding */ which)
/* harmony export */ });
/* unused harmony exports cp, mv, rmRF, mkdirP, findInPath */
/* harmony import */ var assert__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(2613);
/* harmony import */ var path__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(6928);
/* harmony import */ var _io_util_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(90);
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



/**
 * Copies a file or folder.
 * Based off of shelljs - https://github.com/shelljs/shelljs/blob/9237f66c52e5daa40458f94f9565e18e8132f5a6/src/cp.js
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See CopyOptions.
 */
function cp(source_1, dest_1) {
    return __awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        const { force, recursive, copySourceDirectory } = readCopyOptions(options);
        const destStat = (yield ioUtil.exists(dest)) ? yield ioUtil.stat(dest) : null;
        // Dest is an existing file, but not forcing
        if (destStat && destStat.isFile() && !force) {
            return;
        }
        // If dest is an existing directory, should copy inside.
        const newDest = destStat && destStat.isDirectory() && copySourceDirectory
            ? path.join(dest, path.basename(source))
            : dest;
        if (!(yield ioUtil.exists(source))) {
            throw new Error(`no such file or directory: ${source}`);
        }
        const sourceStat = yield ioUtil.stat(source);
        if (sourceStat.isDirectory()) {
            if (!recursive) {
                throw new Error(`Failed to copy. ${source} is a directory, but tried to copy without recursive flag.`);
            }
            else {
                yield cpDirRecursive(source, newDest, 0, force);
            }
        }
        else {
            if (path.relative(source, newDest) === '') {
                // a file cannot be copied to itself
                throw new Error(`'${newDest}' and '${source}' are the same file`);
            }
            yield copyFile(source, newDest, force);
        }
    });
}
/**
 * Moves a path.
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See MoveOptions.
 */
function mv(source_1, dest_1) {
    return __awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        if (yield ioUtil.exists(dest)) {
            let destExists = true;
            if (yield ioUtil.isDirectory(dest)) {
                // If dest is directory copy src into dest
                dest = path.join(dest, path.basename(source));
                destExists = yield ioUtil.exists(dest);
            }
            if (destExists) {
                if (options.force == null || options.force) {
                    yield rmRF(dest);
                }
                else {
                    throw new Error('Destination already exists');
                }
            }
        }
        yield mkdirP(path.dirname(dest));
        yield ioUtil.rename(source, dest);
    });
}
/**
 * Remove a path recursively with force
 *
 * @param inputPath path to remove
 */
function rmRF(inputPath) {
    return __awaiter(this, void 0, void 0, function* () {
        if (ioUtil.IS_WINDOWS) {
            // Check for invalid characters
            // https://docs.microsoft.com/en-us/windows/win32/fileio/naming-a-file
            if (/[*"<>|]/.test(inputPath)) {
                throw new Error('File path must not contain `*`, `"`, `<`, `>` or `|` on Windows');
            }
        }
        try {
            // note if path does not exist, error is silent
            yield ioUtil.rm(inputPath, {
                force: true,
                maxRetries: 3,
                recursive: true,
                retryDelay: 300
            });
        }
        catch (err) {
            throw new Error(`File was unable to be removed ${err}`);
        }
    });
}
/**
 * Make a directory.  Creates the full path with folders in between
 * Will throw if it fails
 *
 * @param   fsPath        path to create
 * @returns Promise<void>
 */
function mkdirP(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        ok(fsPath, 'a path argument must be provided');
        yield ioUtil.mkdir(fsPath, { recursive: true });
    });
}
/**
 * Returns path of a tool had the tool actually been invoked.  Resolves via paths.
 * If you check and the tool does not exist, it will throw.
 *
 * @param     tool              name of the tool
 * @param     check             whether to check if tool exists
 * @returns   Promise<string>   path to tool
 */
function which(tool, check) {
    return __awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // recursive when check=true
        if (check) {
            const result = yield which(tool, false);
            if (!result) {
                if (_io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .IS_WINDOWS */ .H8) {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also verify the file has a valid extension for an executable file.`);
                }
                else {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also check the file mode to verify the file is executable.`);
                }
            }
            return result;
        }
        const matches = yield findInPath(tool);
        if (matches && matches.length > 0) {
            return matches[0];
        }
        return '';
    });
}
/**
 * Returns a list of all occurrences of the given tool on the system path.
 *
 * @returns   Promise<string[]>  the paths of the tool
 */
function findInPath(tool) {
    return __awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // build the list of extensions to try
        const extensions = [];
        if (_io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .IS_WINDOWS */ .H8 && process.env['PATHEXT']) {
            for (const extension of process.env['PATHEXT'].split(path__WEBPACK_IMPORTED_MODULE_1__.delimiter)) {
                if (extension) {
                    extensions.push(extension);
                }
            }
        }
        // if it's rooted, return it if exists. otherwise return empty.
        if (_io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .isRooted */ .Qh(tool)) {
            const filePath = yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .tryGetExecutablePath */ .vr(tool, extensions);
            if (filePath) {
                return [filePath];
            }
            return [];
        }
        // if any path separators, return empty
        if (tool.includes(path__WEBPACK_IMPORTED_MODULE_1__.sep)) {
            return [];
        }
        // build the list of directories
        //
        // Note, technically "where" checks the current directory on Windows. From a toolkit perspective,
        // it feels like we should not do this. Checking the current directory seems like more of a use
        // case of a shell, and the which() function exposed by the toolkit should strive for consistency
        // across platforms.
        const directories = [];
        if (process.env.PATH) {
            for (const p of process.env.PATH.split(path__WEBPACK_IMPORTED_MODULE_1__.delimiter)) {
                if (p) {
                    directories.push(p);
                }
            }
        }
        // find all matches
        const matches = [];
        for (const directory of directories) {
            const filePath = yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .tryGetExecutablePath */ .vr(path__WEBPACK_IMPORTED_MODULE_1__.join(directory, tool), extensions);
            if (filePath) {
                matches.push(filePath);
            }
        }
        return matches;
    });
}
function readCopyOptions(options) {
    const force = options.force == null ? true : options.force;
    const recursive = Boolean(options.recursive);
    const copySourceDirectory = options.copySourceDirectory == null
        ? true
        : Boolean(options.copySourceDirectory);
    return { force, recursive, copySourceDirectory };
}
function cpDirRecursive(sourceDir, destDir, currentDepth, force) {
    return __awaiter(this, void 0, void 0, function* () {
        // Ensure there is not a run away recursive copy
        if (currentDepth >= 255)
            return;
        currentDepth++;
        yield mkdirP(destDir);
        const files = yield ioUtil.readdir(sourceDir);
        for (const fileName of files) {
            const srcFile = `${sourceDir}/${fileName}`;
            const destFile = `${destDir}/${fileName}`;
            const srcFileStat = yield ioUtil.lstat(srcFile);
            if (srcFileStat.isDirectory()) {
                // Recurse
                yield cpDirRecursive(srcFile, destFile, currentDepth, force);
            }
            else {
                yield copyFile(srcFile, destFile, force);
            }
        }
        // Change the mode for the newly created directory
        yield ioUtil.chmod(destDir, (yield ioUtil.stat(sourceDir)).mode);
    });
}
// Buffered file copy
function copyFile(srcFile, destFile, force) {
    return __awaiter(this, void 0, void 0, function* () {
        if ((yield ioUtil.lstat(srcFile)).isSymbolicLink()) {
            // unlink/re-link it
            try {
                yield ioUtil.lstat(destFile);
                yield ioUtil.unlink(destFile);
            }
            catch (e) {
                // Try to override file permission
                if (e.code === 'EPERM') {
                    yield ioUtil.chmod(destFile, '0666');
                    yield ioUtil.unlink(destFile);
                }
                // other errors = it doesn't exist, no work to do
            }
            // Copy over symlink
            const symlinkFull = yield ioUtil.readlink(srcFile);
            yield ioUtil.symlink(symlinkFull, destFile, ioUtil.IS_WINDOWS ? 'junction' : null);
        }
        else if (!(yield ioUtil.exists(destFile)) || force) {
            yield ioUtil.copyFile(srcFile, destFile);
        }
    });
}
//# sourceMappingURL=io.js.map

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(9407);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ var __webpack_exports__cli = __webpack_exports__.x;
/******/ var __webpack_exports__run = __webpack_exports__.e;
/******/ export { __webpack_exports__cli as cli, __webpack_exports__run as run };
/******/ 
