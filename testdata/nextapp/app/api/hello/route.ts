export const dynamic = 'force-dynamic';
export async function GET() { return Response.json({ ok: true }); }
export async function POST(req: Request) { return Response.json({ received: (await req.text()).length }); }
