/**
 * A leader latch (Curator's LeaderLatch, reduced) as an exploration workload of your own:
 *
 *   npx zksim explore --workload dist/recipes/leader-latch.js --seeds 1..1000
 *
 * Each client joins /latch with an EPHEMERAL_SEQUENTIAL node (a guard prefix names its session, so a create whose
 * outcome was lost is found again); the node with the lowest sequence number leads. At each step a client lists the
 * latch; if it leads, it writes a term record, fenced: a multi that checks its own latch node and creates
 * /terms/t-NNNNNNNNNN with its node's name. After three terms a leader resigns (deletes its node) and joins again.
 *
 * Property `latch-single-leader`: the term records, in commit order, come from latch nodes in non-decreasing sequence
 * order. A newcomer has a higher sequence number than the leader, so it never takes over until the leader's node is
 * gone, and from then on the old leader's fenced write fails.
 *
 * `latch({ order: 'name' })` is the same recipe with a classic bug: it orders the latch by node NAME, which the guard
 * prefix breaks (`_c1_...-0000000007` sorts before `_c2_...-0000000005`), so a newcomer can take over while the leader
 * still writes. recipes/leader-latch-by-name.ts exports it; zksim finds it in a few seeds.
 */
// What a user of the package writes. Here 'zksim' is this package itself: Node resolves a package's own name through
// its "exports" (dist/api/index.js), and TypeScript to api/index.ts.
import { Code, CreateMode, dataText, errorCode, sequenceNumber, type RecipeContext, type RecipeWorkload, type Session } from 'zksim';

const LATCH = '/latch';
const TERMS = '/terms';
const { CONNECTIONLOSS, NONODE, NODEEXISTS } = Code;

export function latch(opts: { order: 'sequence' | 'name' }): RecipeWorkload {
  /** Per session (by name): its latch node's name, and how many terms it wrote while leading. */
  const joined = new Map<string, { node: string | null; terms: number }>();
  let audit: string[] | null = null;

  const leaderOf = (children: string[]): string | undefined =>
    [...children].sort(opts.order === 'sequence' ? (a, b) => sequenceNumber(a) - sequenceNumber(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0))[0];

  const ensure = (s: Session, path: string): Promise<unknown> =>
    s.client.create(path, null).catch((e) => {
      if (errorCode(e) !== NODEEXISTS) throw e;
    });

  async function join(s: Session): Promise<string | null> {
    const guard = `_${s.name}_`;
    try {
      const path = await s.client.create(`${LATCH}/${guard}n-`, s.name, CreateMode.EPHEMERAL_SEQUENTIAL);
      return path.slice(LATCH.length + 1);
    } catch (e) {
      if (errorCode(e) === NONODE) {
        await ensure(s, LATCH);
        return null; // join at the next step
      }
      if (errorCode(e) !== CONNECTIONLOSS) throw e;
      return (await s.client.getChildren(LATCH)).find((c) => c.startsWith(guard)) ?? null;
    }
  }

  return {
    name: opts.order === 'sequence' ? 'leader-latch' : 'leader-latch-by-name',
    properties: ['latch-single-leader'],

    setup(ctx: RecipeContext) {
      const s = ctx.sessions()[0]!;
      void ensure(s, LATCH).catch(() => undefined);
      void ensure(s, TERMS).catch(() => undefined);
    },

    async step(_ctx: RecipeContext, s: Session) {
      let me = joined.get(s.name);
      if (!me) joined.set(s.name, (me = { node: null, terms: 0 }));
      if (me.node === null) {
        me.node = await join(s);
        me.terms = 0;
        return;
      }
      const children = await s.client.getChildren(LATCH);
      if (!children.includes(me.node)) {
        me.node = null; // our session lost it: join again
        return;
      }
      if (leaderOf(children) !== me.node) return;
      const mine = `${LATCH}/${me.node}`;
      await s.client.transaction().check(mine, -1).create(`${TERMS}/t-`, me.node, CreateMode.PERSISTENT_SEQUENTIAL).commit().catch(async (e) => {
        if (errorCode(e) === NONODE && (await s.client.exists(mine)) !== null) await ensure(s, TERMS); // /terms missing
        throw e;
      });
      if (++me.terms >= 3) {
        await s.client.delete(mine, -1);
        me.node = null;
      }
    },

    async final(_ctx: RecipeContext, s: Session, slot: number) {
      if (slot !== 0) return;
      const children = await s.client.getChildren(TERMS).catch((e) => {
        if (errorCode(e) === NONODE) return [] as string[];
        throw e;
      });
      const out: string[] = [];
      for (const c of [...children].sort((a, b) => sequenceNumber(a) - sequenceNumber(b))) out.push(dataText((await s.client.getData(`${TERMS}/${c}`)).data) ?? '');
      audit = out;
    },

    verdicts() {
      if (audit === null) return [{ property: 'latch-single-leader', ok: null, explanation: 'not checked: the final listing of /terms never completed' }];
      for (let i = 1; i < audit.length; i++) {
        if (sequenceNumber(audit[i]!) < sequenceNumber(audit[i - 1]!)) {
          return [{ property: 'latch-single-leader', ok: false, explanation: `term ${i} was written by latch node ${audit[i]} after term ${i - 1} by ${audit[i - 1]}, a later member: two leaders at once` }];
        }
      }
      return [{ property: 'latch-single-leader', ok: true, explanation: `${audit.length} term(s) by ${new Set(audit).size} leader(s), in latch order` }];
    },
  };
}

/** A fresh latch for each run. */
export default (): RecipeWorkload => latch({ order: 'sequence' });
