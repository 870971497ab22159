'use strict';

/**
 * A Serverless Framework plugin (serverless.yml `plugins`): packaging or deploying an HTTP API that anyone
 * can call must be a deliberate choice. Unless the deploy environment gives the predict function a key
 * (API_KEY, or API_KEY_SSM_PARAMETER: the SSM SecureString holding it), `serverless package` and
 * `serverless deploy` stop with one line saying what to do, and only `--param="apiAccess=open"` opens
 * the API on purpose. The local stage is open by its params (it listens on 127.0.0.1 only).
 */
class ApiAccessPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    const check = () => this.check();
    this.hooks = { 'before:package:initialize': check, 'before:deploy:deploy': check };
  }

  check() {
    const access = this.serverless.service.custom?.apiAccess ?? {};
    const hasKey = Boolean(access.apiKey) || Boolean(access.apiKeySsmParameter);
    const fail = (message) => {
      throw new this.serverless.classes.Error(message);
    };
    if (access.mode === 'key') {
      if (!hasKey)
        fail(
          'the API would be open to anyone: deploy with API_KEY_SSM_PARAMETER=/valuecast/<stage>/api-key (or API_KEY=...) in the environment, or pass --param="apiAccess=open" to open it on purpose',
        );
    } else if (access.mode === 'open') {
      if (hasKey)
        fail('apiAccess=open, yet an API key is configured (API_KEY or API_KEY_SSM_PARAMETER): choose one');
    } else {
      fail(`apiAccess must be "key" or "open", got ${JSON.stringify(access.mode)}`);
    }
  }
}

module.exports = ApiAccessPlugin;
