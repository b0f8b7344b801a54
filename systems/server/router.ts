import type { HttpMethod, RouteDef } from './types';

interface CompiledRoute {
  route: RouteDef;
  segments: readonly string[];
  params: number;
}

export type RouteMatch =
  | { kind: 'found'; route: RouteDef; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: HttpMethod[] }
  | { kind: 'none' };

/** A route table over path templates (`/sobjects/Account/:id`); literal segments win over parameters. */
export class Router {
  private readonly bySegmentCount = new Map<number, CompiledRoute[]>();

  constructor(routes: readonly RouteDef[]) {
    for (const route of routes) {
      const segments = split(route.template);
      const list = this.bySegmentCount.get(segments.length) ?? [];
      list.push({ route, segments, params: segments.filter((s) => s.startsWith(':')).length });
      this.bySegmentCount.set(segments.length, list);
    }
    for (const list of this.bySegmentCount.values()) list.sort((a, b) => a.params - b.params);
  }

  match(method: string, path: string): RouteMatch {
    const parts = split(path);
    const candidates = this.bySegmentCount.get(parts.length);
    if (!candidates) return { kind: 'none' };
    const allowed: HttpMethod[] = [];
    for (const c of candidates) {
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      if (c.route.method === method) return { kind: 'found', route: c.route, params };
      allowed.push(c.route.method);
    }
    return allowed.length ? { kind: 'wrong-method', allowed } : { kind: 'none' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(template: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t.startsWith(':')) {
      try {
        params[t.slice(1)] = decodeURIComponent(parts[i]);
      } catch {
        return undefined;
      }
    } else if (t !== parts[i]) return undefined;
  }
  return params;
}
