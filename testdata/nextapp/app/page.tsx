import Image from 'next/image';
export const dynamic = 'force-dynamic';
export default function Home() {
  return (<main><h1>MedBookings infrastructure test app</h1><p>{new Date().toISOString()}</p>
    <Image src="/logo.png" alt="logo" width={32} height={32} /></main>);
}
