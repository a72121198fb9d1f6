import { redirect } from 'next/navigation';

// The API has no home page of its own: send people to the documentation.
export default function Home() {
  redirect('/docs');
}
