// The baseline: a Worker that only forwards to the origin.
export default {
  fetch(request, env) {
    return env.ORIGIN.fetch(request);
  },
};
